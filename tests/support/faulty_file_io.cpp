#include "faulty_file_io.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "regent/ha/errc.hpp"

namespace regent::test {

namespace fs = std::filesystem;

void faulty_file_io::arm(fault f) {
  std::lock_guard<std::mutex> lock(mu_);
  armed_ = f;
}

bool faulty_file_io::armed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return armed_ != fault::none;
}

int faulty_file_io::failed_writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

faulty_file_io::fault faulty_file_io::take() {
  std::lock_guard<std::mutex> lock(mu_);
  auto f = armed_;
  armed_ = fault::none;
  if (f != fault::none) ++failed_;
  return f;
}

result<void> faulty_file_io::write_atomic(const fs::path& file, std::string_view bytes, bool no_replace) {
  auto f = take();
  if (f == fault::none) return inner_.write_atomic(file, bytes, no_replace);

  // Leave what the real implementation would have left at the point of failure: a temp file
  // (named like its own, so `list` skips it) next to the target, never the target itself.
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return error{ha::errc::io, "cannot create folder " + file.parent_path().string() + ": " + ec.message()};
  int serial;
  {
    std::lock_guard<std::mutex> lock(mu_);
    serial = ++temp_serial_;
  }
  fs::path tmp = file.parent_path() / (".tmp-" + file.filename().string() + "-fault" + std::to_string(serial));
  std::size_t written = f == fault::before_rename ? bytes.size() : bytes.size() / 2;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(written));
    out.flush();
    if (!out) return error{ha::errc::io, "injected fault could not write " + tmp.string()};
  }
  switch (f) {
    case fault::half_written:
      return error{ha::errc::io, "injected fault: write of " + tmp.string() + " failed after " +
                                     std::to_string(written) + " of " + std::to_string(bytes.size()) + " bytes"};
    case fault::before_rename:
      return error{ha::errc::io, "injected fault: cannot rename into " + file.string()};
    case fault::no_space:
    case fault::none:
      break;
  }
  fs::remove(tmp, ec);
  return error{ha::errc::io, "cannot write " + tmp.string() + ": " + std::strerror(ENOSPC)};
}

const char* to_string(faulty_file_io::fault f) {
  switch (f) {
    case faulty_file_io::fault::half_written:
      return "half_written";
    case faulty_file_io::fault::before_rename:
      return "before_rename";
    case faulty_file_io::fault::no_space:
      return "no_space";
    case faulty_file_io::fault::none:
      break;
  }
  return "none";
}

}  // namespace regent::test

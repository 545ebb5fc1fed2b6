#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regent/ha/errc.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::storage {

namespace fs = std::filesystem;

namespace {

error io_error(const std::string& what, const fs::path& p, int err) {
  return {errc::io, what + " " + p.string() + ": " + std::strerror(err)};
}

/// Closes a file descriptor when it goes out of scope.
class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

result<void> fsync_dir(const fs::path& dir) {
  fd_guard fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("cannot open folder", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("cannot fsync folder", dir, errno);
  return ok();
}

result<void> write_all(int fd, std::string_view bytes, const fs::path& p) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", p, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

/// renameat2(RENAME_NOREPLACE) where the file system has it, else link + unlink.
int rename_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

class posix_file_io_impl final : public file_io {
 public:
  result<void> write_atomic(const fs::path& file, std::string_view bytes, bool no_replace) override {
    auto dir = file.parent_path();
    if (auto r = make_private_dirs(dir); !r) return r;
    if (no_replace && exists(file)) return error{errc::already_exists, file.string() + " already exists"};
    fs::path tmp = dir / (".tmp-" + file.filename().string() + "-" + random_source::instance().hex32().substr(0, 12));
    fd_guard fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));  // the cluster's user only
    if (fd.get() < 0) return io_error("cannot create", tmp, errno);
    auto fail = [&](error e) -> result<void> {
      ::unlink(tmp.c_str());
      return e;
    };
    if (auto r = write_all(fd.get(), bytes, tmp); !r) return fail(std::move(r).err());
    if (::fsync(fd.get()) != 0) return fail(io_error("cannot fsync", tmp, errno));
    if (::close(fd.release()) != 0) return fail(io_error("cannot close", tmp, errno));
    if (no_replace) {
      if (rename_no_replace(tmp, file) != 0) {
        int err = errno;
        if (err == EEXIST) return fail(error{errc::already_exists, file.string() + " already exists"});
        return fail(io_error("cannot rename into", file, err));
      }
    } else if (::rename(tmp.c_str(), file.c_str()) != 0) {
      return fail(io_error("cannot rename into", file, errno));
    }
    return fsync_dir(dir);
  }

  result<std::string> read(const fs::path& file) const override {
    fd_guard fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) return error{errc::not_found, file.string() + " does not exist"};
      return io_error("cannot open", file, errno);
    }
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        return io_error("cannot read", file, errno);
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  result<void> remove(const fs::path& file) override {
    if (::unlink(file.c_str()) != 0) {
      if (errno == ENOENT) return ok();
      return io_error("cannot remove", file, errno);
    }
    return fsync_dir(file.parent_path());
  }

  result<void> remove_all(const fs::path& dir) override {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) return error{errc::io, "cannot remove " + dir.string() + ": " + ec.message()};
    if (dir.has_parent_path() && exists(dir.parent_path())) return fsync_dir(dir.parent_path());
    return ok();
  }

  result<void> rename(const fs::path& from, const fs::path& to, bool no_replace) override {
    if (auto r = make_private_dirs(to.parent_path()); !r) return r;
    int rc = no_replace ? rename_no_replace(from, to) : ::rename(from.c_str(), to.c_str());
    if (rc != 0) {
      int err = errno;
      if (err == EEXIST) return error{errc::already_exists, to.string() + " already exists"};
      if (err == ENOENT) return error{errc::not_found, from.string() + " does not exist"};
      return io_error("cannot rename " + from.string() + " to", to, err);
    }
    if (auto r = fsync_dir(to.parent_path()); !r) return r;
    if (from.parent_path() != to.parent_path()) return fsync_dir(from.parent_path());
    return ok();
  }

  result<std::vector<std::string>> list(const fs::path& dir) const override {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      if (errno == ENOENT) return names;
      return io_error("cannot list", dir, errno);
    }
    while (dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name == "." || name == ".." || is_temp_name(name)) continue;
      names.emplace_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  bool exists(const fs::path& path) const override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
};

}  // namespace

/// Creates `dir` and its missing parents, each private to this user (0700); folders that exist
/// already keep their mode.
result<void> make_private_dirs(const fs::path& dir) {
  if (dir.empty()) return ok();
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return ok();
  if (auto parent = dir.parent_path(); parent != dir)
    if (auto r = make_private_dirs(parent); !r) return r;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("cannot create folder", dir, errno);
  return ok();
}

bool is_temp_name(std::string_view name) { return name.rfind(".tmp-", 0) == 0; }

file_io& posix_file_io() {
  static posix_file_io_impl io;
  return io;
}

}  // namespace regent::ha::storage

#include "regent/ha/storage/job_archive.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "regent/ha/errc.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha {

namespace fs = std::filesystem;

job_archive::job_archive(fs::path dir, std::chrono::milliseconds expiration, int max_capacity, const clock& time)
    : dir_(std::move(dir)), expiration_(expiration), max_capacity_(max_capacity), time_(time) {}

result<void> job_archive::put(const job_id& id, const std::string& text) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return error{errc::io, "cannot create " + dir_.string() + ": " + ec.message()};
  const auto file = dir_ / id.str();
  const auto temp = dir_ / ("." + id.str() + "." + random_source::instance().hex32() + ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      return error{errc::io, "cannot write " + temp.string()};
    }
  }
  fs::rename(temp, file, ec);
  if (ec) {
    fs::remove(temp, ec);
    return error{errc::io, "cannot rename " + temp.string() + " to " + file.string() + ": " + ec.message()};
  }
  std::vector<entry> expired;
  scan(&expired);
  for (auto& e : expired) fs::remove(e.file, ec);
  return ok();
}

std::optional<std::string> job_archive::get(const job_id& id) const {
  for (auto& e : scan(nullptr))
    if (e.id == id) {
      std::ifstream in(e.file, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (in) return ss.str();
    }
  return std::nullopt;
}

std::vector<std::pair<job_id, std::string>> job_archive::list() const {
  std::vector<std::pair<job_id, std::string>> out;
  for (auto& e : scan(nullptr)) {
    std::ifstream in(e.file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (in) out.emplace_back(e.id, ss.str());
  }
  return out;
}

std::vector<job_archive::entry> job_archive::scan(std::vector<entry>* expired) const {
  std::vector<entry> all;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    auto id = job_id::parse(it->path().filename().string());
    if (!id) continue;  // temp files and anything else
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    const std::int64_t modified = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    all.push_back({*id, it->path(), modified});
  }
  std::sort(all.begin(), all.end(), [](const entry& a, const entry& b) { return a.modified_ms > b.modified_ms; });
  std::vector<entry> kept;
  const auto now = time_.wall_millis();
  for (auto& e : all) {
    const bool too_old = now - e.modified_ms > expiration_.count();
    const bool too_many = max_capacity_ > 0 && kept.size() >= static_cast<std::size_t>(max_capacity_);
    if (too_old || too_many) {
      if (expired) expired->push_back(e);
    } else {
      kept.push_back(e);
    }
  }
  return kept;
}

}  // namespace regent::ha

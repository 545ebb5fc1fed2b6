#include "graph_cache.hpp"

#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha::zookeeper {

namespace {
constexpr auto prompt = zk_connection::wait_mode::prompt;
/// Without events the copy is checked this often (one read while nothing changed).
constexpr std::chrono::milliseconds idle_wait{30000};
/// After a failed refresh (no connection), the next one is tried after this.
constexpr std::chrono::milliseconds retry_wait{1000};
/// A burst of writes (a submission of many jobs) is one refresh: events are taken until one
/// pause this long, at most `max_settle` in all.
constexpr std::chrono::milliseconds settle{50};
constexpr std::chrono::milliseconds max_settle{500};
}  // namespace

graph_cache::graph_cache(pointer_files& files, znode_layout z, file_layout f)
    : files_(files), z_(std::move(z)), f_(std::move(f)), watcher_(files.conn) {}

graph_cache::~graph_cache() { stop(); }

void graph_cache::start() {
  std::lock_guard<std::mutex> lock(run_mu_);
  {
    std::lock_guard<std::mutex> copy(mu_);
    if (running_) return;
    running_ = true;
  }
  watcher_.start([this] { run(); });
}

void graph_cache::stop() {
  std::lock_guard<std::mutex> lock(run_mu_);
  {
    std::lock_guard<std::mutex> copy(mu_);
    if (!running_) return;
    running_ = false;
  }
  watcher_.stop();
  std::lock_guard<std::mutex> copy(mu_);
  label_.reset();
  graphs_.clear();
}

bool graph_cache::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

std::vector<std::optional<std::string>> graph_cache::lookup(const std::vector<job_id>& jobs, const Stat& folder) const {
  std::vector<std::optional<std::string>> out(jobs.size());
  std::lock_guard<std::mutex> lock(mu_);
  if (!running_ || label_ != folder.mzxid || folder.pzxid > folder.mzxid) return out;
  for (std::size_t i = 0; i < jobs.size(); ++i)
    if (auto it = graphs_.find(jobs[i].str()); it != graphs_.end()) out[i] = it->second.bytes;
  return out;
}

void graph_cache::run() {
  auto log = logging::get("ha");
  std::string last_error;
  for (;;) {
    auto r = refresh();
    if (!r && r.err().message != last_error) log->debug("job graph copy not refreshed: {}", r.err().message);
    last_error = r ? std::string() : r.err().message;
    auto e = watcher_.events().pop(r ? idle_wait : retry_wait);
    if (watcher_.events().stopping()) return;
    if (!e) continue;
    const auto until = std::chrono::steady_clock::now() + max_settle;
    while (std::chrono::steady_clock::now() < until && watcher_.events().pop(settle)) {
    }
    if (watcher_.events().stopping()) return;
  }
}

result<void> graph_cache::refresh() {
  auto& conn = files_.conn;
  const auto folder_path = z_.jobgraphs();
  auto folder = conn.get(folder_path, watcher_.slot(), prompt);
  if (!folder) return std::move(folder).err();
  if (!*folder) {  // no graph was ever written: watch for the folder to appear
    auto st = conn.exists(folder_path, watcher_.slot(), prompt);
    if (!st) return std::move(st).err();
    if (*st) return error{errc::unavailable, folder_path + " appeared while read"};
    std::lock_guard<std::mutex> lock(mu_);
    label_.reset();
    graphs_.clear();
    return ok();
  }
  const auto label = (*folder)->stat.mzxid;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (label_ == label) return ok();
  }
  auto names = conn.children(folder_path, nullptr, prompt);
  if (!names) return std::move(names).err();
  if (!*names) return error{errc::unavailable, folder_path + " vanished while read"};
  std::vector<std::string> jobs, paths;
  for (const auto& name : **names) {
    auto id = job_id::parse(name);
    if (!id || id->str() != name) continue;  // foreign: a recovery's listing reports it
    jobs.push_back(name);
    paths.push_back(folder_path + "/" + name);
  }
  auto pointers = conn.get_many(paths, prompt);
  std::map<std::string, entry> fresh;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    // A pointer or payload that is not right is left to a recovery's own read, which reports it.
    auto pointer = pointer_files::pointer_of(std::move(pointers[i]), paths[i], jobs[i]);
    if (!pointer && pointer.err().code != errc::corrupt) return std::move(pointer).err();
    if (!pointer || !*pointer) continue;  // corrupt, or removed meanwhile
    const auto& payload = (*pointer)->name;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = graphs_.find(jobs[i]); it != graphs_.end() && it->second.payload == payload) {
        fresh.emplace(jobs[i], it->second);
        continue;
      }
    }
    auto bytes = files_.read_payload(f_.jobgraphs(), payload);
    if (bytes) fresh.emplace(jobs[i], entry{payload, std::move(*bytes)});
  }
  std::lock_guard<std::mutex> lock(mu_);
  graphs_ = std::move(fresh);
  label_ = label;
  return ok();
}

}  // namespace regent::ha::zookeeper

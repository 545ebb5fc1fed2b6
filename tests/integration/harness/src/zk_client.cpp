#include "regent/harness/zk_client.hpp"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <zookeeper/zookeeper.h>

namespace regent::harness {

/// The session state the client's event thread reports, so waits are on events, not polls.
struct zk_client::session_state {
  std::mutex mu;
  std::condition_variable cv;
  int state = 0;
};

namespace {
void session_events(zhandle_t*, int type, int state, const char*, void* context) {
  if (type != ZOO_SESSION_EVENT || !context) return;
  auto* s = static_cast<zk_client::session_state*>(context);
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->state = state;
  }
  s->cv.notify_all();
}
void no_log(const char*) {}

struct sync_wait {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

void sync_done(int, const char*, const void* data) {
  auto* keep = static_cast<std::shared_ptr<sync_wait>*>(const_cast<void*>(data));
  {
    std::lock_guard<std::mutex> lock((*keep)->mu);
    (*keep)->done = true;
  }
  (*keep)->cv.notify_all();
  delete keep;
}

/// ZooKeeper's `sync`: this session's server catches up with the ensemble, so the reads
/// after it see writes other clients (the backend under test) made before it.
void catch_up(zhandle_t* zh) {
  auto w = std::make_shared<sync_wait>();
  auto* keep = new std::shared_ptr<sync_wait>(w);
  if (zoo_async(zh, "/", &sync_done, keep) != ZOK) {
    delete keep;
    return;
  }
  std::unique_lock<std::mutex> lock(w->mu);
  w->cv.wait_for(lock, std::chrono::seconds(10), [&] { return w->done; });
}
}  // namespace

zk_client::zk_client(const std::string& quorum, std::chrono::milliseconds session_timeout) {
  state_ = std::make_shared<session_state>();
  zh_ = zookeeper_init2(quorum.c_str(), &session_events, static_cast<int>(session_timeout.count()), nullptr,
                        state_.get(), 0, &no_log);
}

zk_client::~zk_client() {
  if (zh_) zookeeper_close(zh_);
}

bool zk_client::wait_connected(std::chrono::milliseconds timeout) {
  if (!zh_) return false;
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(
      lock, timeout, [&] { return state_->state == ZOO_CONNECTED_STATE || zoo_state(zh_) == ZOO_CONNECTED_STATE; });
}

std::optional<std::string> zk_client::get(const std::string& path) {
  catch_up(zh_);
  std::vector<char> buf(1 << 20);
  int len = static_cast<int>(buf.size());
  if (zoo_get(zh_, path.c_str(), 0, buf.data(), &len, nullptr) != ZOK) return std::nullopt;
  return std::string(buf.data(), len > 0 ? static_cast<std::size_t>(len) : 0);
}

bool zk_client::exists(const std::string& path) {
  catch_up(zh_);
  return zoo_exists(zh_, path.c_str(), 0, nullptr) == ZOK;
}

std::optional<std::vector<std::string>> zk_client::children(const std::string& path) {
  catch_up(zh_);
  String_vector v{};
  if (zoo_get_children(zh_, path.c_str(), 0, &v) != ZOK) return std::nullopt;
  std::vector<std::string> out(v.data, v.data + v.count);
  deallocate_String_vector(&v);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::int64_t> zk_client::ephemeral_owner(const std::string& path) {
  catch_up(zh_);
  Stat st{};
  if (zoo_exists(zh_, path.c_str(), 0, &st) != ZOK) return std::nullopt;
  return st.ephemeralOwner;
}

std::vector<std::string> zk_client::descendants(const std::string& path) {
  std::vector<std::string> out;
  auto kids = children(path);
  if (!kids) return out;
  for (const auto& k : *kids) {
    auto child = (path == "/" ? "" : path) + "/" + k;
    out.push_back(child);
    auto below = descendants(child);
    out.insert(out.end(), below.begin(), below.end());
  }
  return out;
}

bool zk_client::create(const std::string& path, const std::string& data, bool ephemeral) {
  for (auto pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    auto parent = path.substr(0, pos);
    int rc = zoo_create(zh_, parent.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) return false;
  }
  return zoo_create(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE,
                    ephemeral ? ZOO_EPHEMERAL : ZOO_PERSISTENT, nullptr, 0) == ZOK;
}

bool zk_client::set(const std::string& path, const std::string& data) {
  return zoo_set(zh_, path.c_str(), data.data(), static_cast<int>(data.size()), -1) == ZOK;
}

bool zk_client::remove_tree(const std::string& path) {
  if (auto kids = children(path))
    for (const auto& k : *kids) remove_tree(path + "/" + k);
  int rc = zoo_delete(zh_, path.c_str(), -1);
  return rc == ZOK || rc == ZNONODE;
}

}  // namespace regent::harness

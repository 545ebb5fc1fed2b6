#include "zk_connection.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>

#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha::zookeeper {

namespace {

/// The C client's log lines, into the "ha" logger (its errors are mostly lost connections).
void client_log(const char* message) {
  static auto log = logging::get("ha");
  std::string_view m(message);
  while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.remove_suffix(1);
  if (m.find("ZOO_ERROR") != std::string_view::npos) {
    log->warn("zookeeper client: {}", m);
  } else if (m.find("ZOO_WARN") != std::string_view::npos) {
    log->info("zookeeper client: {}", m);
  } else {
    log->debug("zookeeper client: {}", m);
  }
}

session_state map_state(int zstate) {
  if (zstate == ZOO_CONNECTED_STATE) return session_state::connected;
  if (zstate == ZOO_EXPIRED_SESSION_STATE || zstate == ZOO_AUTH_FAILED_STATE) return session_state::expired;
  return session_state::connecting;
}

/// How often the client may look up the servers' names while its connection is fine.
constexpr std::chrono::milliseconds routine_resolution_window{5000};

std::string hex_id(std::int64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(id));
  return buf;
}

}  // namespace

const char* to_string(session_state s) {
  switch (s) {
    case session_state::connecting:
      return "connecting";
    case session_state::connected:
      return "connected";
    case session_state::expired:
      return "expired";
  }
  return "?";
}

// ---- watch_slot ----

void watch_slot::deliver(const zk_event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sink_) sink_(e);
}

void watch_slot::set_sink(std::function<void(const zk_event&)> sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = std::move(sink);
}

// ---- zk_op ----

zk_op zk_op::create(std::string path, std::string data, int mode) {
  zk_op op;
  op.what = kind::create;
  op.path = std::move(path);
  op.data = std::move(data);
  op.mode = mode;
  return op;
}

zk_op zk_op::remove(std::string path, int version) {
  zk_op op;
  op.what = kind::remove;
  op.path = std::move(path);
  op.version = version;
  return op;
}

zk_op zk_op::set(std::string path, std::string data, int version) {
  zk_op op;
  op.what = kind::set;
  op.path = std::move(path);
  op.data = std::move(data);
  op.version = version;
  return op;
}

zk_op zk_op::check(std::string path, int version) {
  zk_op op;
  op.what = kind::check;
  op.path = std::move(path);
  op.version = version;
  return op;
}

// ---- errors ----

bool is_transient(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONMOVED || rc == ZSESSIONEXPIRED ||
         rc == ZINVALIDSTATE || rc == ZCLOSING;
}

error zk_error(int rc, const std::string& what, const std::string& path) {
  std::string text = "ZooKeeper " + what + " " + path + ": " + zerror(rc);
  if (rc == ZNONODE) return {errc::not_found, text};
  if (rc == ZNODEEXISTS) return {errc::already_exists, text};
  if (rc == ZBADARGUMENTS) return {errc::invalid_argument, text};
  if (is_transient(rc)) return {errc::unavailable, text};
  return {errc::io, text};
}

// ---- the connection ----

/// The context of one handle: which connection and which session generation it belongs to.
/// Freed by the handle's deleter after zookeeper_close, so callbacks never see it dangling.
struct zk_connection::handle_context {
  zk_connection* conn;
  std::uint64_t generation;
  std::atomic<bool> closing{false};
};

zk_connection::zk_connection(const connection_settings& s) : settings_(s) {}

result<std::shared_ptr<zk_connection>> zk_connection::open(const connection_settings& s) {
  static std::once_flag once;
  std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
  std::shared_ptr<zk_connection> conn(new zk_connection(s));
  std::unique_lock<std::mutex> lock(conn->mu_);
  if (auto r = conn->open_handle_locked(lock); !r) return std::move(r).err();
  lock.unlock();
  return conn;
}

zk_connection::~zk_connection() {
  std::shared_ptr<zhandle_t> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last = std::move(handle_);
  }
  last.reset();  // closes the session: the server drops its ephemeral nodes at once
}

result<void> zk_connection::open_handle_locked(std::unique_lock<std::mutex>&) {
  auto* hc = new handle_context{this, generation_ + 1};
  int timeout_ms = static_cast<int>(settings_.session_timeout.count());
  zhandle_t* zh = zookeeper_init2(settings_.quorum.c_str(), &zk_connection::global_watcher, timeout_ms, nullptr, hc, 0,
                                  &client_log);
  if (zh == nullptr) {
    int err = errno;
    delete hc;
    return error{errc::invalid_argument, "cannot open a ZooKeeper session to '" + settings_.quorum +
                                             "' (high-availability.zookeeper.quorum): " + std::strerror(err)};
  }
  // By default the client resolves every server's name each time it polls its socket, i.e.
  // three getaddrinfo calls (each a netlink round trip) per request and reply: 40 % of the
  // client's thread during a takeover's burst of reads. Once per window still follows DNS
  // changes, and a lost connection resolves afresh anyway.
  (void)zoo_set_servers_resolution_delay(zh, static_cast<int>(routine_resolution_window.count()));
  // The client keeps the credentials with the handle and sends them on every (re)connection,
  // before any request of ours: operations wait for a connected session.
  if (!settings_.digest.empty())
    (void)zoo_add_auth(zh, "digest", settings_.digest.data(), static_cast<int>(settings_.digest.size()), nullptr,
                       nullptr);
  generation_ = hc->generation;
  state_ = session_state::connecting;
  handle_ = std::shared_ptr<zhandle_t>(zh, [hc](zhandle_t* z) {
    hc->closing = true;
    zookeeper_close(z);
    delete hc;
  });
  return ok();
}

const ACL_vector* zk_connection::acl() const {
  return settings_.creator_acl ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE;
}

void zk_connection::global_watcher(zhandle_t*, int type, int state, const char*, void* ctx) {
  auto* hc = static_cast<handle_context*>(ctx);
  if (hc == nullptr || hc->closing || type != ZOO_SESSION_EVENT) return;
  hc->conn->on_session_event(hc, state);
}

void zk_connection::node_watcher(zhandle_t* zh, int type, int, const char* path, void* ctx) {
  if (type == ZOO_SESSION_EVENT) return;  // the global watcher reports sessions
  auto* hc = static_cast<handle_context*>(const_cast<void*>(zoo_get_context(zh)));
  if (hc == nullptr || hc->closing) return;
  zk_event e;
  e.what = zk_event::kind::node;
  e.generation = hc->generation;
  e.type = type;
  e.path = path ? path : "";
  static_cast<watch_slot*>(ctx)->deliver(e);
}

void zk_connection::on_session_event(handle_context* hc, int zstate) {
  auto log = logging::get("ha");
  zk_event e;
  std::vector<watch_slot*> slots;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (hc->generation != generation_) return;  // a retired handle
    auto next = map_state(zstate);
    if (next == state_ && next != session_state::connected) return;
    state_ = next;
    e.generation = generation_;
    e.state = next;
    slots = active_slots_;
    auto id = handle_ ? zoo_client_id(handle_.get())->client_id : 0;
    if (next == session_state::connected) {
      ++connections_;
      log->info("ZooKeeper session {} connected to {} (timeout {} ms)", hex_id(id), settings_.quorum,
                handle_ ? zoo_recv_timeout(handle_.get()) : -1);
    } else if (next == session_state::expired) {
      log->warn("ZooKeeper session {} {}", hex_id(id),
                zstate == ZOO_AUTH_FAILED_STATE ? "failed authentication" : "expired");
    } else {
      log->warn("ZooKeeper connection of session {} lost; reconnecting", hex_id(id));
    }
  }
  cv_.notify_all();
  for (auto* s : slots) s->deliver(e);
}

watch_slot* zk_connection::subscribe(std::function<void(const zk_event&)> sink) {
  std::lock_guard<std::mutex> lock(mu_);
  watch_slot* slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slots_.push_back(std::make_unique<watch_slot>());
    slot = slots_.back().get();
  }
  slot->set_sink(std::move(sink));
  active_slots_.push_back(slot);
  return slot;
}

void zk_connection::unsubscribe(watch_slot* slot) {
  if (slot == nullptr) return;
  slot->set_sink(nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  active_slots_.erase(std::remove(active_slots_.begin(), active_slots_.end(), slot), active_slots_.end());
  free_slots_.push_back(slot);
}

std::pair<std::uint64_t, session_state> zk_connection::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {generation_, state_};
}

std::uint64_t zk_connection::renew_if_expired() {
  std::shared_ptr<zhandle_t> retired;  // released after the lock: closing joins client threads
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ == session_state::expired) {
    retired = std::move(handle_);
    if (auto r = open_handle_locked(lock); !r) logging::get("ha")->error("{}", r.err().message);
  }
  return generation_;
}

void zk_connection::renew(const std::string& why) {
  logging::get("ha")->warn("closing the ZooKeeper session and opening a new one: {}", why);
  std::shared_ptr<zhandle_t> retired;
  std::unique_lock<std::mutex> lock(mu_);
  retired = std::move(handle_);
  if (auto r = open_handle_locked(lock); !r) logging::get("ha")->error("{}", r.err().message);
}

result<session_ref> zk_connection::connected(std::optional<std::chrono::milliseconds> timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout.value_or(settings_.connection_timeout);
  std::shared_ptr<zhandle_t> retired;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (state_ == session_state::expired) {
      retired = std::move(handle_);
      if (auto r = open_handle_locked(lock); !r) return std::move(r).err();
    }
    if (state_ == session_state::connected && handle_)
      return session_ref{handle_, generation_, zoo_client_id(handle_.get())->client_id};
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && state_ != session_state::connected)
      return error{errc::unavailable, "no ZooKeeper connection to '" + settings_.quorum + "' within " +
                                          std::to_string(timeout.value_or(settings_.connection_timeout).count()) +
                                          " ms (high-availability.zookeeper.client.connection-timeout)"};
  }
}

std::optional<session_ref> zk_connection::connected_now() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != session_state::connected || !handle_) return std::nullopt;
  return session_ref{handle_, generation_, zoo_client_id(handle_.get())->client_id};
}

std::chrono::milliseconds zk_connection::negotiated_timeout() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == session_state::connected && handle_) {
    int t = zoo_recv_timeout(handle_.get());
    if (t > 0) return std::chrono::milliseconds(t);
  }
  return settings_.session_timeout;
}

void zk_connection::backoff(int attempt) {
  std::chrono::milliseconds wait = settings_.retry_wait * (1LL << std::min(attempt, 16));
  wait = std::min(wait, settings_.connection_timeout);
  std::unique_lock<std::mutex> lock(mu_);
  // A call that failed for a lost connection often returns before the client reports the loss,
  // while the state still says "connected": waking on that would spend every retry at once
  // (seen when the ensemble's leader was killed). Wake on a connection made after this point.
  const auto seen = connections_;
  cv_.wait_for(lock, wait, [&] { return connections_ != seen && state_ == session_state::connected; });
}

result<session_ref> zk_connection::session_for(wait_mode mode) {
  if (mode == wait_mode::patient) return connected();
  if (auto s = connected_now()) return std::move(*s);
  return error{errc::unavailable, "not connected to ZooKeeper ('" + settings_.quorum + "')"};
}

result<int> zk_connection::attempt_read(const std::function<int(const session_ref&)>& call, wait_mode mode) {
  if (mode == wait_mode::prompt) {
    auto s = session_for(mode);
    if (!s) return std::move(s).err();
    int rc = call(*s);
    if (is_transient(rc)) return error{errc::unavailable, std::string("ZooKeeper: ") + zerror(rc)};
    return rc;
  }
  for (int attempt = 0;; ++attempt) {
    auto s = connected();
    if (!s) return std::move(s).err();
    int rc = call(*s);
    if (!is_transient(rc) || attempt >= settings_.max_retry_attempts) return rc;
    backoff(attempt);
  }
}

result<std::optional<znode>> zk_connection::get(const std::string& path, watch_slot* watch, wait_mode mode) {
  std::optional<znode> out;
  auto rc = attempt_read(
      [&](const session_ref& s) -> int {
        std::vector<char> buf(1024);
        for (;;) {
          int len = static_cast<int>(buf.size());
          Stat st{};
          int r = watch ? zoo_wget(s.zh.get(), path.c_str(), &node_watcher, watch, buf.data(), &len, &st)
                        : zoo_get(s.zh.get(), path.c_str(), 0, buf.data(), &len, &st);
          if (r != ZOK) return r;
          if (st.dataLength > static_cast<int>(buf.size())) {
            buf.resize(static_cast<std::size_t>(st.dataLength));
            continue;
          }
          out = znode{std::string(buf.data(), len > 0 ? static_cast<std::size_t>(len) : 0), st};
          return ZOK;
        }
      },
      mode);
  if (!rc) return std::move(rc).err();
  if (*rc == ZNONODE) return std::optional<znode>();
  if (*rc != ZOK) return zk_error(*rc, "get", path);
  return out;
}

result<std::optional<Stat>> zk_connection::exists(const std::string& path, watch_slot* watch, wait_mode mode) {
  Stat st{};
  auto rc = attempt_read(
      [&](const session_ref& s) {
        return watch ? zoo_wexists(s.zh.get(), path.c_str(), &node_watcher, watch, &st)
                     : zoo_exists(s.zh.get(), path.c_str(), 0, &st);
      },
      mode);
  if (!rc) return std::move(rc).err();
  if (*rc == ZNONODE) return std::optional<Stat>();
  if (*rc != ZOK) return zk_error(*rc, "exists", path);
  return std::optional<Stat>(st);
}

result<std::optional<std::vector<std::string>>> zk_connection::children(const std::string& path, watch_slot* watch,
                                                                        wait_mode mode) {
  std::vector<std::string> names;
  auto rc = attempt_read(
      [&](const session_ref& s) -> int {
        String_vector v{};
        int r = watch ? zoo_wget_children(s.zh.get(), path.c_str(), &node_watcher, watch, &v)
                      : zoo_get_children(s.zh.get(), path.c_str(), 0, &v);
        if (r == ZOK) {
          names.assign(v.data, v.data + v.count);
          deallocate_String_vector(&v);
        }
        return r;
      },
      mode);
  if (!rc) return std::move(rc).err();
  if (*rc == ZNONODE) return std::optional<std::vector<std::string>>();
  if (*rc != ZOK) return zk_error(*rc, "get children of", path);
  std::sort(names.begin(), names.end());
  return std::optional<std::vector<std::string>>(std::move(names));
}

namespace {

/// No ZooKeeper return code (they are 0 and small negative numbers).
constexpr int unanswered = std::numeric_limits<int>::min();

/// The answers of one round of a batched read, filled by the client's completion thread.
template <class Answer>
struct batch_round {
  std::mutex mu;
  std::condition_variable cv;
  std::size_t pending = 0;
  std::vector<int> rc;  // per request; `unanswered` until its answer came
  std::vector<Answer> answers;
};

/// What one asynchronous request carries to its completion (owned by it).
template <class Answer>
struct batch_tag {
  std::shared_ptr<batch_round<Answer>> round;  // kept alive by late answers too
  std::size_t index;
};

template <class Answer>
void complete_batched(const void* data, int rc, Answer answer) {
  std::unique_ptr<batch_tag<Answer>> tag(static_cast<batch_tag<Answer>*>(const_cast<void*>(data)));
  auto& round = *tag->round;
  std::lock_guard<std::mutex> lock(round.mu);
  round.rc[tag->index] = rc;
  round.answers[tag->index] = std::move(answer);
  if (--round.pending == 0) round.cv.notify_all();
}

void on_batched_data(int rc, const char* value, int len, const Stat* stat, const void* data) {
  znode n;
  if (rc == ZOK) {
    if (value != nullptr && len > 0) n.data.assign(value, static_cast<std::size_t>(len));
    if (stat != nullptr) n.stat = *stat;
  }
  complete_batched<znode>(data, rc, std::move(n));
}

void on_batched_children(int rc, const String_vector* v, const void* data) {
  std::vector<std::string> names;
  if (rc == ZOK && v != nullptr) names.assign(v->data, v->data + v->count);
  std::sort(names.begin(), names.end());
  complete_batched<std::vector<std::string>>(data, rc, std::move(names));
}

}  // namespace

template <class Answer>
std::vector<std::pair<result<int>, Answer>> zk_connection::batch_read(
    std::size_t n, const std::function<int(zhandle_t*, std::size_t, const void*)>& issue, wait_mode mode) {
  std::vector<std::pair<result<int>, Answer>> out(n, {result<int>(ZOK), Answer{}});
  std::vector<std::size_t> todo(n);
  for (std::size_t i = 0; i < n; ++i) todo[i] = i;
  const int retries = mode == wait_mode::patient ? settings_.max_retry_attempts : 0;
  for (int attempt = 0; !todo.empty(); ++attempt) {
    auto s = session_for(mode);
    if (!s) {
      for (auto i : todo) out[i].first = s.err();
      break;
    }
    auto round = std::make_shared<batch_round<Answer>>();
    round->rc.assign(n, unanswered);
    round->answers.resize(n);
    round->pending = todo.size();
    for (auto i : todo) {
      auto* tag = new batch_tag<Answer>{round, i};
      int rc = issue(s->zh.get(), i, tag);
      if (rc != ZOK) {  // not sent: no completion will come
        delete tag;
        std::lock_guard<std::mutex> lock(round->mu);
        round->rc[i] = rc;
        --round->pending;
      }
    }
    // The client answers every sent request (with a connection-loss code when it must); the
    // deadline is only a guard, an unanswered request counting as timed out.
    std::vector<std::size_t> again;
    {
      std::unique_lock<std::mutex> lock(round->mu);
      round->cv.wait_for(lock, settings_.session_timeout + settings_.connection_timeout,
                         [&] { return round->pending == 0; });
      for (auto i : todo) {
        int rc = round->rc[i] == unanswered ? ZOPERATIONTIMEOUT : round->rc[i];
        if (is_transient(rc) && attempt < retries) {
          again.push_back(i);
          continue;
        }
        out[i].first = rc;
        if (rc == ZOK) out[i].second = std::move(round->answers[i]);
      }
    }
    todo = std::move(again);
    if (!todo.empty()) backoff(attempt);
  }
  return out;
}

std::vector<result<std::optional<znode>>> zk_connection::get_many(const std::vector<std::string>& paths,
                                                                  wait_mode mode) {
  auto answers = batch_read<znode>(
      paths.size(),
      [&](zhandle_t* zh, std::size_t i, const void* tag) {
        return zoo_aget(zh, paths[i].c_str(), 0, &on_batched_data, tag);
      },
      mode);
  std::vector<result<std::optional<znode>>> out;
  out.reserve(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto& [rc, node] = answers[i];
    if (!rc)
      out.emplace_back(std::move(rc).err());
    else if (*rc == ZNONODE)
      out.emplace_back(std::optional<znode>());
    else if (*rc != ZOK)
      out.emplace_back(zk_error(*rc, "get", paths[i]));
    else
      out.emplace_back(std::optional<znode>(std::move(node)));
  }
  return out;
}

std::vector<result<std::optional<std::vector<std::string>>>> zk_connection::children_many(
    const std::vector<std::string>& paths) {
  auto answers = batch_read<std::vector<std::string>>(paths.size(), [&](zhandle_t* zh, std::size_t i, const void* tag) {
    return zoo_aget_children(zh, paths[i].c_str(), 0, &on_batched_children, tag);
  });
  std::vector<result<std::optional<std::vector<std::string>>>> out;
  out.reserve(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto& [rc, names] = answers[i];
    if (!rc)
      out.emplace_back(std::move(rc).err());
    else if (*rc == ZNONODE)
      out.emplace_back(std::optional<std::vector<std::string>>());
    else if (*rc != ZOK)
      out.emplace_back(zk_error(*rc, "get children of", paths[i]));
    else
      out.emplace_back(std::optional<std::vector<std::string>>(std::move(names)));
  }
  return out;
}

result<void> zk_connection::sync_reads(wait_mode mode) {
  auto rc = attempt_read([&](const session_ref& s) -> int { return sync(s, "/"); }, mode);
  if (!rc) return std::move(rc).err();
  if (*rc != ZOK) return zk_error(*rc, "sync", "/");
  return ok();
}

result<void> zk_connection::ensure_path(const std::string& path, wait_mode mode) {
  for (std::size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    const bool shared = (settings_.shared_root + "/").rfind(prefix + "/", 0) == 0;
    auto rc = attempt_read(
        [&](const session_ref& s) -> int {
          int r = zoo_create(s.zh.get(), prefix.c_str(), "", 0, shared ? &ZOO_OPEN_ACL_UNSAFE : acl(), ZOO_PERSISTENT,
                             nullptr, 0);
          return r == ZNODEEXISTS ? ZOK : r;
        },
        mode);
    if (!rc) return std::move(rc).err();
    if (*rc != ZOK) return zk_error(*rc, "create", prefix);
  }
  return ok();
}

multi_result zk_connection::multi(const session_ref& s, const std::vector<zk_op>& ops) {
  multi_result out;
  const std::size_t n = ops.size();
  out.stats.resize(n);
  out.created.resize(n);
  std::vector<zoo_op_t> zops(n);
  std::vector<zoo_op_result_t> results(n);
  std::vector<std::vector<char>> paths(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& op = ops[i];
    results[i].err = ZOK;
    switch (op.what) {
      case zk_op::kind::create:
        paths[i].assign(op.path.size() + 32, '\0');
        zoo_create_op_init(&zops[i], op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()),
                           acl(), op.mode, paths[i].data(), static_cast<int>(paths[i].size()));
        break;
      case zk_op::kind::remove:
        zoo_delete_op_init(&zops[i], op.path.c_str(), op.version);
        break;
      case zk_op::kind::set:
        zoo_set_op_init(&zops[i], op.path.c_str(), op.data.data(), static_cast<int>(op.data.size()), op.version,
                        &out.stats[i]);
        break;
      case zk_op::kind::check:
        zoo_check_op_init(&zops[i], op.path.c_str(), op.version);
        break;
    }
  }
  // libzookeeper_mt 3.8.0 (Debian's) has a bug in zoo_amulti: its per-op path check also
  // fails once the handle is unrecoverable (session expired), and every op after the one
  // that noticed then frees that op's path — our string — again: a double free. Starting a
  // multi only on a connected handle closes all but a sliver of that window: the handle would
  // have to lose its connection, reconnect and learn of the expiry while this thread is inside
  // the loop over the ops (microseconds; only a descheduled thread gives it that time).
  int state = zoo_state(s.zh.get());
  if (state != ZOO_CONNECTED_STATE) {
    out.sent = false;
    out.rc = state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE ? ZSESSIONEXPIRED : ZCONNECTIONLOSS;
    return out;
  }
  out.rc = zoo_multi(s.zh.get(), static_cast<int>(n), zops.data(), results.data());
  if (out.rc == ZOK) {
    for (std::size_t i = 0; i < n; ++i)
      if (ops[i].what == zk_op::kind::create) out.created[i] = paths[i].data();
    return out;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (results[i].err != ZOK && results[i].err != ZRUNTIMEINCONSISTENCY) {
      out.failed = static_cast<int>(i);
      out.rc = results[i].err;
      break;
    }
  }
  // A transient error (the session moved to another server while the multi was under way, as
  // when the ensemble's leader dies) is reported on the first op, but no op was judged on its
  // merits: the caller must not read it as "the fence check failed", only as "outcome unknown".
  if (is_transient(out.rc)) out.failed = -1;
  return out;
}

int zk_connection::create(const session_ref& s, const std::string& path, const std::string& data, int mode,
                          std::string* created) {
  std::vector<char> buf(path.size() + 32, '\0');
  int rc = zoo_create(s.zh.get(), path.c_str(), data.data(), static_cast<int>(data.size()), acl(), mode,
                      buf.data(), static_cast<int>(buf.size()));
  if (rc == ZOK && created) *created = buf.data();
  return rc;
}

int zk_connection::remove(const session_ref& s, const std::string& path, int version) {
  return zoo_delete(s.zh.get(), path.c_str(), version);
}

namespace {
struct sync_wait {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = ZOK;
};

void sync_done(int rc, const char*, const void* data) {
  auto* keep = static_cast<std::shared_ptr<sync_wait>*>(const_cast<void*>(data));
  {
    std::lock_guard<std::mutex> lock((*keep)->mu);
    (*keep)->rc = rc;
    (*keep)->done = true;
  }
  (*keep)->cv.notify_all();
  delete keep;
}
}  // namespace

int zk_connection::sync(const session_ref& s, const std::string& path) {
  auto w = std::make_shared<sync_wait>();
  auto* keep = new std::shared_ptr<sync_wait>(w);  // freed by the completion (also on close)
  int rc = zoo_async(s.zh.get(), path.c_str(), &sync_done, keep);
  if (rc != ZOK) {
    delete keep;
    return rc;
  }
  std::unique_lock<std::mutex> lock(w->mu);
  if (!w->cv.wait_for(lock, settings_.connection_timeout, [&] { return w->done; })) return ZOPERATIONTIMEOUT;
  return w->rc;
}

}  // namespace regent::ha::zookeeper

#include "zk_retrieval.hpp"

#include "regent/ha/errc.hpp"
#include "regent/ha/leader_info_json.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha::zookeeper {

namespace {
constexpr std::chrono::milliseconds idle_wait{5000};
constexpr auto prompt = zk_connection::wait_mode::prompt;
}  // namespace

zk_retrieval::zk_retrieval(std::shared_ptr<zk_connection> conn, znode_layout paths, std::string component,
                           bool tolerate_suspended)
    : conn_(std::move(conn)),
      paths_(std::move(paths)),
      component_(std::move(component)),
      tolerate_suspended_(tolerate_suspended) {}

zk_retrieval::~zk_retrieval() { stop(); }

result<void> zk_retrieval::start(leader_retrieval_listener& listener) {
  if (component_.empty() || component_.find('/') != std::string::npos)
    return error{errc::invalid_argument, "invalid component name '" + component_ + "'"};
  if (!watcher_.start([this, &listener] { run(&listener); }))
    return error{errc::invalid_argument, "leader retrieval already started"};
  return ok();
}

void zk_retrieval::stop() { watcher_.stop(); }

std::optional<leader_info> zk_retrieval::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

result<std::optional<leader_info>> zk_retrieval::observe() {
  using none = std::optional<leader_info>;
  const auto epoch_path = paths_.epoch();
  const auto info_path = paths_.connection_info(component_);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto epoch_node = conn_->get(epoch_path, watcher_.slot(), prompt);
    if (!epoch_node) return std::move(epoch_node).err();
    if (!*epoch_node) {
      // Nobody was ever granted: watch for the epoch to appear.
      auto again = conn_->exists(epoch_path, watcher_.slot(), prompt);
      if (!again) return std::move(again).err();
      if (*again) continue;
      return none();
    }
    auto epoch = parse_decimal((*epoch_node)->data, "epoch", epoch_path);
    if (!epoch) return std::move(epoch).err();
    auto info_node = conn_->get(info_path, watcher_.slot(), prompt);
    if (!info_node) return std::move(info_node).err();
    if (!*info_node) {
      auto again = conn_->exists(info_path, watcher_.slot(), prompt);
      if (!again) return std::move(again).err();
      if (*again) continue;
      return none();  // not published (yet)
    }
    auto info = leader_info_from_json((*info_node)->data, "ZooKeeper node " + info_path);
    if (!info) return std::move(info).err();
    if (info->token.epoch != *epoch) return none();  // left behind by a deposed leader
    return none(std::move(info).value());
  }
  return none();
}

void zk_retrieval::run(leader_retrieval_listener* listener) {
  auto log = logging::get("ha");
  bool first = true;
  for (;;) {
    bool retry = false;
    std::optional<leader_info> seen;
    auto [generation, state] = conn_->state();
    (void)generation;
    if (state == session_state::expired) {
      conn_->renew_if_expired();
    } else if (state != session_state::connected) {
      if (tolerate_suspended_) seen = current();
    } else {
      auto o = observe();
      if (o) {
        seen = std::move(*o);
        last_error_.clear();
      } else if (o.err().code == errc::unavailable) {
        retry = true;
        if (tolerate_suspended_) seen = current();
      } else {
        if (o.err().message != last_error_) log->error("leader retrieval of {}: {}", component_, o.err().message);
        last_error_ = o.err().message;
      }
    }
    bool changed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      changed = first || seen != current_;
      current_ = seen;
    }
    if (changed) listener->on_leader_change(seen);
    first = false;
    auto wait = retry
                    ? std::min<std::chrono::milliseconds>(conn_->settings().retry_wait, std::chrono::milliseconds(1000))
                    : idle_wait;
    auto e = watcher_.events().pop(wait);
    if (watcher_.events().stopping()) return;
    while (e) e = watcher_.events().try_pop();  // any change: observe again
  }
}

}  // namespace regent::ha::zookeeper

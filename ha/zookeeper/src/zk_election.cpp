// The contending thread of the ZooKeeper election: latch node, position, epoch bump, grant and
// revoke. Publishing leader info and the fence are in zk_election_publish.cpp.

#include "zk_election.hpp"

#include "latch.hpp"
#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::zookeeper {

namespace {
constexpr auto prompt = zk_connection::wait_mode::prompt;

/// How long the thread idles between checks when nothing happens (a safety net; changes
/// arrive as watch and session events).
constexpr std::chrono::milliseconds idle_wait{5000};

std::string leaf(const std::string& path) { return path.substr(path.rfind('/') + 1); }
}  // namespace

zk_election::zk_election(std::shared_ptr<zk_connection> conn, znode_layout paths, clock& clk, bool tolerate_suspended)
    : conn_(std::move(conn)),
      paths_(std::move(paths)),
      clock_(clk),
      tolerate_suspended_(tolerate_suspended),
      writer_(*conn_, *this, clk) {}

zk_election::~zk_election() { stop(); }

result<void> zk_election::start(leader_election_listener& listener) {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (watcher_.running()) return error{errc::invalid_argument, "leader election already started"};
  contender_uuid_ = random_source::instance().uuid();
  latch_node_.clear();
  find_own_node_ = false;
  if (!watcher_.start([this, &listener] { run(&listener); }))
    return error{errc::invalid_argument, "leader election already started"};
  return ok();
}

void zk_election::stop() {
  std::lock_guard<std::mutex> lock(run_mu_);
  if (watcher_.stop()) give_up();
}

bool zk_election::leading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leading_;
}

bool zk_election::has_leadership(const fencing_token& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  return leading_ && token.valid() && token_ == token;
}

void zk_election::observe_epoch(epoch_t epoch) { seen_.observe(epoch); }

void zk_election::refuse(const fencing_token& token, epoch_t seen, const std::string& why) {
  seen_.observe(seen);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leading_ || token_ != token) return;
    refusal_ = std::make_pair(token, why);
  }
  watcher_.events().push(zk_event{zk_event::kind::node, 0, session_state::connected, 0, ""});  // wakes the thread
}

std::optional<std::string> zk_election::take_refusal() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!refusal_) return std::nullopt;
  auto r = std::move(refusal_);
  refusal_.reset();
  if (!leading_ || token_ != r->first) return std::nullopt;
  return std::move(r->second);
}

void zk_election::give_up() {
  auto log = logging::get("ha");
  std::set<std::string> published;
  bool was_leading;
  {
    std::lock_guard<std::mutex> lock(mu_);
    published.swap(published_);
    was_leading = leading_;
    leading_ = false;
    token_ = {};
    checks_ = {};
  }
  if (latch_node_.empty()) return;
  bool released = false;
  if (auto s = conn_->connected_now(); s && s->generation == latch_generation_) {
    // Our own ephemeral nodes only: a newer leader's info has another owner.
    if (was_leading) {
      for (const auto& component : published) {
        Stat st{};
        auto path = paths_.connection_info(component);
        if (zoo_exists(s->zh.get(), path.c_str(), 0, &st) == ZOK && st.ephemeralOwner == s->session_id)
          (void)conn_->remove(*s, path, st.version);
      }
    }
    int rc = conn_->remove(*s, latch_node_, -1);
    released = rc == ZOK || rc == ZNONODE;
  } else {
    released = conn_->state().first != latch_generation_;  // that session is gone already
  }
  if (!released) conn_->renew("cannot remove latch node " + latch_node_ + " while giving up leadership");
  log->debug("left the latch ({})", latch_node_);
  latch_node_.clear();
}

void zk_election::revoke(leader_election_listener& listener, const std::string& why) {
  fencing_token token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leading_) return;
    token = token_;
    leading_ = false;
    token_ = {};
    checks_ = {};
    published_.clear();
  }
  logging::get("ha")->warn("revoked leadership {}: {}", token.to_string(), why);
  listener.on_revoke(token);
}

void zk_election::run(leader_election_listener* listener) {
  auto log = logging::get("ha");
  log->info("contending for leadership under {} (contender {})", paths_.latch_dir(), contender_uuid_);
  for (;;) {
    auto next = step(*listener);
    if (next.kind == next_step::fail) {
      revoke(*listener, next.failure.message);
      give_up();
      log->error("leader election stopped: {}", next.failure.message);
      listener->on_error(next.failure);
      while (watcher_.events().pop(idle_wait) || !watcher_.events().stopping()) {
      }
      return;
    }
    if (next.kind == next_step::again) {
      if (watcher_.events().stopping()) return;
      continue;
    }
    auto wait = next.kind == next_step::retry
                    ? std::min<std::chrono::milliseconds>(conn_->settings().retry_wait, std::chrono::milliseconds(1000))
                    : idle_wait;
    auto e = watcher_.events().pop(wait);
    if (watcher_.events().stopping()) return;
    while (e) {
      handle(*e, *listener);
      e = watcher_.events().try_pop();
    }
    if (watcher_.events().stopping()) return;
  }
}

void zk_election::handle(const zk_event& e, leader_election_listener& listener) {
  logging::get("ha")->debug("election event: {} gen={} (latch gen {}) state={} type={} path={}",
                            e.what == zk_event::kind::session ? "session" : "node", e.generation, latch_generation_,
                            to_string(e.state), e.type, e.path);
  if (e.what != zk_event::kind::session || e.generation != latch_generation_) return;
  if (e.state == session_state::connecting && !tolerate_suspended_)
    revoke(listener,
           "lost the connection to ZooKeeper "
           "(high-availability.zookeeper.client.tolerate-suspended-connections is false)");
  if (e.state == session_state::expired) revoke(listener, "the ZooKeeper session expired");
}

zk_election::next_step zk_election::step(leader_election_listener& listener) {
  // Revoked here, the leadership is granted again below with an epoch above the one refused.
  if (auto why = take_refusal()) revoke(listener, *why);
  auto [generation, state] = conn_->state();
  if (state == session_state::expired) {
    revoke(listener, "the ZooKeeper session expired");
    latch_node_.clear();
    conn_->renew_if_expired();
    return {};
  }
  if (state != session_state::connected) {
    if (!tolerate_suspended_) revoke(listener, "lost the connection to ZooKeeper");
    return {};
  }
  auto s = conn_->connected_now();
  if (!s) return {};
  if (!latch_node_.empty() && latch_generation_ != s->generation) {
    revoke(listener, "the ZooKeeper session was replaced");
    latch_node_.clear();
  }
  if (latch_node_.empty() || find_own_node_) {
    auto made = ensure_latch_node(*s);
    if (made.kind != next_step::again) return made;
  }
  auto children = conn_->children(paths_.latch_dir(), nullptr, prompt);
  if (!children) return {next_step::retry, {}};
  if (!*children) {  // the latch folder was removed by hand: our node with it
    revoke(listener, "the latch folder " + paths_.latch_dir() + " was removed");
    latch_node_.clear();
    return {next_step::again, {}};
  }
  auto view = parse_latch(**children);
  for (const auto& name : view.foreign)
    if (reported_foreign_.insert(name).second)
      logging::get("ha")->warn("ignoring foreign node {}/{} among the latch contenders", paths_.latch_dir(), name);
  auto pos = position_of(view, leaf(latch_node_));
  if (!pos.present) {
    revoke(listener, "its latch node " + latch_node_ + " was removed");
    latch_node_.clear();
    return {next_step::again, {}};
  }
  if (pos.leads) {
    if (!leading()) return grant(listener, *s);
    return watch_leadership(listener);
  }
  revoke(listener, "another contender is ahead in the latch");
  // Watch only the contender just ahead; if it is gone already, look again.
  auto pred = conn_->exists(paths_.latch_dir() + "/" + pos.predecessor, watcher_.slot(), prompt);
  if (!pred) return {next_step::retry, {}};
  if (!*pred) return {next_step::again, {}};
  return {};
}

zk_election::next_step zk_election::ensure_latch_node(const session_ref& s) {
  auto prefix = latch_prefix(contender_uuid_);
  if (find_own_node_) {
    auto children = conn_->children(paths_.latch_dir(), nullptr, prompt);
    if (!children) return {next_step::retry, {}};
    find_own_node_ = false;
    if (*children) {
      if (auto mine = find_by_prefix(parse_latch(**children), prefix)) {
        latch_node_ = paths_.latch_dir() + "/" + *mine;
        latch_generation_ = s.generation;
        return {next_step::again, {}};
      }
    }
    latch_node_.clear();
  }
  if (auto r = conn_->ensure_path(paths_.latch_dir(), prompt); !r) {
    if (r.err().code == errc::unavailable) return {next_step::retry, {}};
    return {next_step::fail, r.err()};
  }
  std::string created;
  int rc = conn_->create(s, paths_.latch_dir() + "/" + prefix, "", ZOO_EPHEMERAL_SEQUENTIAL, &created);
  if (rc == ZOK) {
    latch_node_ = created;
    latch_generation_ = s.generation;
    logging::get("ha")->debug("joined the latch as {}", created);
    return {next_step::again, {}};
  }
  if (is_transient(rc)) {
    find_own_node_ = true;  // it may have been created: our uuid finds it
    return {next_step::retry, {}};
  }
  if (rc == ZNONODE) return {next_step::again, {}};  // the folder vanished: create it again
  return {next_step::fail, zk_error(rc, "create", paths_.latch_dir() + "/" + prefix)};
}

zk_election::next_step zk_election::grant(leader_election_listener& listener, const session_ref& s) {
  const auto epoch_path = paths_.epoch();
  // Our server may lag behind the ensemble: catch up before reading the epoch to bump.
  if (conn_->sync(s, epoch_path) != ZOK) return {next_step::retry, {}};
  auto current = conn_->get(epoch_path, nullptr, prompt);
  if (!current) return {next_step::retry, {}};
  std::uint64_t stored = 0;
  if (*current) {
    auto value = parse_decimal((*current)->data, "epoch", epoch_path);
    if (!value) return {next_step::fail, value.err()};
    stored = *value;
  }
  // Never the epoch of an earlier grant, even if ZooKeeper lost the write that stored it.
  const auto next = seen_.next(stored);
  const std::uint64_t epoch = next.epoch;
  if (next.lost_above)
    logging::get("ha")->error(
        "{} reads epoch {} but epoch {} was granted before (seen by this jobmanager): ZooKeeper lost "
        "acknowledged writes; refusing to reuse a fencing token, this grant takes epoch {}. HA data written "
        "after epoch {} may be gone: a job whose output shows it ran past its checkpoints fails",
        epoch_path, stored, seen_.highest(), epoch, stored);
  std::vector<zk_op> ops{zk_op::check(latch_node_, -1)};
  if (*current) {
    ops.push_back(zk_op::set(epoch_path, std::to_string(epoch), (*current)->stat.version));
  } else {
    ops.push_back(zk_op::create(epoch_path, std::to_string(epoch), ZOO_PERSISTENT));
  }
  auto r = conn_->multi(s, ops);
  int version = 0;
  if (r.rc == ZOK) {
    version = *current ? r.stats[1].version : 0;
  } else if (!r.sent) {
    return {next_step::retry, {}};
  } else if (r.failed < 0 && is_transient(r.rc)) {
    // Lost answer: only the holder of the lowest latch node bumps, so if the epoch now reads
    // as ours, it was our bump.
    if (conn_->sync(s, epoch_path) != ZOK) return {next_step::retry, {}};
    auto after = conn_->get(epoch_path, nullptr, prompt);
    if (!after || !*after || (*after)->data != std::to_string(epoch)) return {next_step::retry, {}};
    version = (*after)->stat.version;
  } else if (r.failed == 0 || r.rc == ZBADVERSION || r.rc == ZNODEEXISTS || r.rc == ZNONODE) {
    return {next_step::again, {}};  // our node went, or the epoch moved: look again
  } else {
    return {next_step::fail, zk_error(r.rc, "bump of", epoch_path)};
  }
  seen_.observe(epoch);
  fencing_token token{epoch, random_source::instance().uuid()};
  {
    std::lock_guard<std::mutex> lock(mu_);
    leading_ = true;
    refusal_.reset();
    token_ = token;
    checks_ = fence_checks{latch_node_, epoch_path, version, s.generation};
  }
  logging::get("ha")->info("granted leadership {} (latch node {})", token.to_string(), latch_node_);
  listener.on_grant(token, clock_.wall_millis());
  return watch_leadership(listener);
}

zk_election::next_step zk_election::watch_leadership(leader_election_listener& listener) {
  // Watch our own latch node (removed by hand) and the epoch (moved under us): either means
  // our writes are fenced off, so revoke and look again.
  auto own = conn_->exists(latch_node_, watcher_.slot(), prompt);
  if (!own) return {next_step::retry, {}};
  if (!*own) return {next_step::again, {}};
  auto epoch = conn_->get(paths_.epoch(), watcher_.slot(), prompt);
  if (!epoch) return {next_step::retry, {}};
  int expected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    expected = checks_.epoch_version;
  }
  if (*epoch)
    if (auto value = parse_decimal((*epoch)->data, "epoch", paths_.epoch())) seen_.observe(*value);
  if (!*epoch || (*epoch)->stat.version != expected) {
    revoke(listener, paths_.epoch() + " changed under the leader");
    return {next_step::again, {}};
  }
  return {};
}

}  // namespace regent::ha::zookeeper

#include "fenced_writer.hpp"

#include "regent/ha/errc.hpp"

namespace regent::ha::zookeeper {

error fenced_off(const fencing_token& token, const std::string& why) {
  return {errc::not_leader, "write fenced off: " + token.to_string() + " is not the current leadership (" + why + ")"};
}

namespace {
bool is_race(int rc) { return rc == ZBADVERSION || rc == ZNODEEXISTS || rc == ZNONODE || rc == ZNOTEMPTY; }
}  // namespace

result<bool> fenced_writer::resolve(const std::function<result<bool>()>& applied) {
  // The lost request either committed before this sync or never will (a request of a moved or
  // closed session is refused), so reads after it tell. The sync is patient: while the
  // ensemble elects a new leader its servers drop their clients again and again, and a sync
  // lost that way is retried (it once made a write 'unknown' 20 ms after a reconnect).
  if (auto r = conn_.sync_reads(); !r) return std::move(r).err();
  return applied();
}

result<multi_result> fenced_writer::write(const fencing_token& token,
                                          const std::function<result<std::vector<zk_op>>()>& build,
                                          const std::function<result<bool>()>& applied, bool* unknown) {
  if (unknown) *unknown = false;
  const int max = conn_.settings().max_retry_attempts;
  bool maybe = false;  // an earlier attempt may have committed
  // When leadership is gone but an earlier attempt was lost with its connection, the write
  // may still have committed while we led: find out before reporting.
  auto settle = [&](error e) -> result<multi_result> {
    if (!maybe) return e;
    auto done = resolve(applied);
    if (done && *done) return multi_result{};
    if (!done && unknown) *unknown = true;
    return e;
  };
  for (int attempt = 0;; ++attempt) {
    auto checks = fence_.checks_for(token);
    if (!checks) return settle(std::move(checks).err());
    auto s = conn_.connected();
    if (!s) {
      if (unknown) *unknown = maybe;
      return std::move(s).err();
    }
    if (s->generation != checks->generation) return settle(fenced_off(token, "its ZooKeeper session expired"));
    auto ops = build();
    if (!ops) return std::move(ops).err();
    std::vector<zk_op> all;
    all.reserve(ops->size() + 2);
    all.push_back(zk_op::check(checks->latch_path, -1));
    all.push_back(zk_op::check(checks->epoch_path, checks->epoch_version));
    for (auto& op : *ops) all.push_back(std::move(op));
    auto r = conn_.multi(*s, all);
    if (r.rc == ZOK) return r;
    if (r.failed == 0 || r.failed == 1) return settle(fenced_off(token, all[r.failed].path + ": " + zerror(r.rc)));
    if (!r.sent) {  // nothing went out: wait for the session and try again
      if (attempt >= max) return zk_error(r.rc, "multi", all.back().path);
      conn_.backoff(attempt);
      continue;
    }
    if (r.failed < 0 && is_transient(r.rc)) {
      maybe = true;
      auto done = resolve(applied);
      if (!done) {
        if (unknown) *unknown = true;
        return error{errc::unavailable, "outcome of a ZooKeeper write unknown: " + done.err().message};
      }
      if (*done) return multi_result{};
      maybe = false;
      if (attempt >= max) return zk_error(r.rc, "multi", all.back().path);
      conn_.backoff(attempt);
      continue;
    }
    if (r.failed >= 0 && is_race(r.rc) && attempt < max) continue;
    const auto& failed = all[r.failed >= 0 ? static_cast<std::size_t>(r.failed) : all.size() - 1];
    return zk_error(r.rc, "multi", failed.path);
  }
}

result<void> fenced_writer::holds(const fencing_token& token) const {
  auto checks = fence_.checks_for(token);
  if (!checks) return std::move(checks).err();
  return ok();
}

result<clock::time_point> fenced_writer::lease(const fencing_token& token) {
  const int max = conn_.settings().max_retry_attempts;
  for (int attempt = 0;; ++attempt) {
    auto checks = fence_.checks_for(token);
    if (!checks) return std::move(checks).err();
    auto s = conn_.connected();
    if (!s) return std::move(s).err();
    if (s->generation != checks->generation) return fenced_off(token, "its ZooKeeper session expired");
    auto sent = clock_.now();
    auto r = conn_.multi(
        *s, {zk_op::check(checks->latch_path, -1), zk_op::check(checks->epoch_path, checks->epoch_version)});
    if (r.rc == ZOK) return sent + conn_.negotiated_timeout() / 2;
    if (!r.sent && attempt < max) {
      conn_.backoff(attempt);
      continue;
    }
    if (r.failed >= 0)
      return fenced_off(token, (r.failed == 0 ? checks->latch_path : checks->epoch_path) + ": " + zerror(r.rc));
    if (!is_transient(r.rc) || attempt >= max) return zk_error(r.rc, "check", checks->latch_path);
    conn_.backoff(attempt);
  }
}

}  // namespace regent::ha::zookeeper

#include "lease_election.hpp"

#include <unistd.h>

#include <cmath>
#include <ctime>

#include "regent/ha/errc.hpp"
#include "regent/ha/leader_info_json.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::kubernetes {

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "jobmanager";
  return buf;
}

std::string info_key(const std::string& component) { return "leader." + component; }

}  // namespace

lease_election::lease_election(api_client& api, ha_maps& maps, election_timing timing, clock& clk)
    : api_(api),
      maps_(maps),
      timing_(timing),
      clock_(clk),
      identity_(host_name() + "_" + random_source::instance().uuid()) {}

lease_election::~lease_election() { stop(); }

result<void> lease_election::start(leader_election_listener& listener) {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  if (thread_.joinable()) return error{errc::invalid_argument, "the Kubernetes election is already started"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, &listener] { run(&listener); });
  return ok();
}

void lease_election::stop() {
  std::lock_guard<std::mutex> run_lock(run_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  bool was_leading = false;
  fencing_token token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_leading = leading_ && clock_.now() < deadline_;
    token = token_;
  }
  if (was_leading) {
    // Our leader info goes first (fenced, while we still hold), then the Lease.
    auto w = writer(token);
    if (w) {
      (void)maps_.modify(*w, maps_.leader_info_map(), [&](const map_state& st) -> result<map_changes> {
        map_changes c;
        for (const auto& [k, v] : st.data) {
          auto info = leader_info_from_json(v, k);
          if (info && info->token == token) c[k] = std::nullopt;
        }
        return c;
      });
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      leading_ = false;
    }
    release();
    logging::get("ha")->info("gave up leadership {} (stopped)", token.to_string());
  }
  std::lock_guard<std::mutex> lock(mu_);
  leading_ = false;
}

bool lease_election::has_leadership(const fencing_token& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  return leading_ && token == token_ && clock_.now() < deadline_;
}

std::optional<clock::time_point> lease_election::held_until(const fencing_token& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!leading_ || token != token_) return std::nullopt;
  return deadline_;
}

result<writer_identity> lease_election::writer(const fencing_token& token) const {
  if (!has_leadership(token))
    return error{errc::not_leader, "fencing token " + token.to_string() + " is not the current leadership"};
  writer_identity w;
  w.epoch = token.epoch;
  w.still_leading = [this, token] { return has_leadership(token); };
  return w;
}

void lease_election::observe_epoch(epoch_t epoch) { seen_.observe(epoch); }

void lease_election::refuse(const fencing_token& token, epoch_t seen, const std::string& why) {
  seen_.observe(seen);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leading_ || token != token_) return;
    refusal_ = why;
  }
  cv_.notify_all();
}

bool lease_election::wait(clock::time_point until) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_ && !refusal_) {
    auto now = clock_.now();
    if (now >= until) break;
    cv_.wait_for(lock, std::min<clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
  return !stopping_;
}

bool lease_election::wait_for_lease_change(clock::time_point until) {
  // A standby watches the Lease while it waits, so that a release (the leader's SIGTERM) is
  // seen at once rather than at the next retry period. Any failure falls back to waiting.
  if (observed_rv_.empty()) return wait(until);
  http_request req;
  req.method = "GET";
  req.target = api_.leases() + "?watch=1&fieldSelector=" + url_encode("metadata.name=" + lease_name()) +
               "&resourceVersion=" + observed_rv_;
  bool changed = false;
  auto on_line = [&](std::string_view line) {
    auto event = parse_watch_event(line);
    if (!event || event->type == "BOOKMARK") return true;
    const std::string holder = string_field(field(event->object, "spec"), "holderIdentity");
    if (event->type == "MODIFIED" && !holder.empty() && holder != identity_) {
      // A renewal by the holder: the version we judge expiry by moved on. Keep watching.
      auto rv = event->resource_version();
      if (rv != observed_rv_) {
        observed_rv_ = rv;
        observed_at_ = clock_.now();
      }
      return true;
    }
    changed = true;  // released, deleted, taken by us, or an error (410): look again now
    return false;
  };
  auto keep_going = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    return !stopping_ && clock_.now() < until;
  };
  (void)api_.transport().stream(req, on_line, keep_going, std::chrono::milliseconds(20));
  if (changed || !keep_going()) {
    std::lock_guard<std::mutex> lock(mu_);
    return !stopping_;
  }
  return wait(until);  // the watch failed or ended early
}

std::string lease_election::micro_time() const {
  auto ms = clock_.wall_millis();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000) * 1000);
  return buf;
}

result<lease_view> lease_election::read_lease() {
  auto r = api_.get(api_.lease(lease_name()));
  if (!r) return std::move(r).err();
  if (r->status == 404) return lease_view{};
  if (!r->ok())
    return error{errc::unavailable, "reading Lease " + api_.ns() + "/" + lease_name() + ": " + r->describe()};
  return parse_lease(r->body, "Lease " + api_.ns() + "/" + lease_name());
}

json lease_election::lease_body(const lease_view& base, epoch_t epoch, bool acquire) const {
  json body = base.exists ? base.object : json::object();
  body["apiVersion"] = "coordination.k8s.io/v1";
  body["kind"] = "Lease";
  auto& meta = body["metadata"];
  meta["name"] = lease_name();
  if (!meta.contains("labels")) meta["labels"] = {{"app", maps_.cluster_id()}, {"configmap-type", "high-availability"}};
  if (base.exists) meta["resourceVersion"] = base.resource_version;
  meta["annotations"][epoch_annotation] = std::to_string(epoch);
  auto& spec = body["spec"];
  auto now = micro_time();
  spec["holderIdentity"] = identity_;
  spec["leaseDurationSeconds"] =
      static_cast<int>(std::ceil(std::chrono::duration<double>(timing_.lease_duration).count()));
  spec["renewTime"] = now;
  if (acquire) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = base.exists ? base.transitions + 1 : 0;
  }
  return body;
}

std::optional<clock::time_point> lease_election::try_acquire(epoch_t& epoch) {
  auto log = logging::get("ha");
  auto lease = read_lease();
  if (!lease) {
    log->warn("election: {}", lease.err().message);
    return std::nullopt;
  }
  if (lease->epoch) seen_.observe(lease->epoch);
  auto now = clock_.now();
  if (lease->resource_version != observed_rv_) {
    observed_rv_ = lease->resource_version;
    observed_at_ = now;
  }
  bool free = !lease->exists || lease->holder.empty() || lease->holder == identity_ ||
              now - observed_at_ >= timing_.lease_duration;
  if (!free) return std::nullopt;
  auto next = seen_.next(lease->epoch);
  if (next.lost_above)
    log->warn("the Lease's epoch {} is below the highest epoch seen granted ({}): granting {}", lease->epoch,
              seen_.highest(), next.epoch);
  epoch = next.epoch;
  auto body = lease_body(*lease, epoch, /*acquire=*/true);
  auto sent = clock_.now();
  auto r = lease->exists ? api_.call("PUT", api_.lease(lease_name()), &body) : api_.call("POST", api_.leases(), &body);
  if (r && r->ok()) {
    remember_lease(r->body);
    return sent;
  }
  if (r && (r->status == 409)) return std::nullopt;  // someone else was faster
  if (r && !r->ambiguous()) {
    log->warn("election: taking Lease {}/{}: {}", api_.ns(), lease_name(), r->describe());
    return std::nullopt;
  }
  // Unanswered: did it land? Only a read can tell.
  auto again = read_lease();
  if (again && again->exists && again->holder == identity_ && again->epoch == epoch) {
    held_lease_ = std::move(*again);
    return sent;
  }
  return std::nullopt;
}

bool lease_election::renew(bool& lost) {
  lost = false;
  epoch_t epoch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    epoch = token_.epoch;
  }
  // The Lease as our last write left it (one request per renewal); when that is unknown or
  // stale, as it is now.
  if (!held_lease_) {
    auto current = read_lease();
    if (!current) return false;
    if (!current->exists || current->holder != identity_ || current->epoch != epoch) {
      lost = true;
      return false;
    }
    held_lease_ = std::move(*current);
  }
  auto body = lease_body(*held_lease_, epoch, /*acquire=*/false);
  auto sent = clock_.now();
  auto r = api_.call("PUT", api_.lease(lease_name()), &body);
  if (r && r->ok()) {
    remember_lease(r->body);
    std::lock_guard<std::mutex> lock(mu_);
    deadline_ = sent + timing_.renew_deadline;
    return true;
  }
  held_lease_.reset();  // conflict or no answer: read it before the next attempt
  if (r && r->status != 409 && !r->ambiguous())
    logging::get("ha")->warn("election: renewing Lease {}/{}: {}", api_.ns(), lease_name(), r->describe());
  return false;
}

void lease_election::remember_lease(const json& object) {
  held_lease_.reset();
  auto v = parse_lease(object, "Lease " + api_.ns() + "/" + lease_name());
  if (!v) return;
  v->holder = identity_;
  held_lease_ = std::move(*v);
}

void lease_election::release() {
  // The Lease as our last renewal left it saves a read (the election thread has stopped, so
  // nothing else writes it); a conflict sends the next attempt to read it.
  std::optional<lease_view> known = std::move(held_lease_);
  held_lease_.reset();
  for (int attempt = 0; attempt < 3; ++attempt) {
    result<lease_view> lease = error{};
    if (known) {
      lease = std::move(*known);
      known.reset();
    } else {
      lease = read_lease();
    }
    if (!lease || !lease->exists || lease->holder != identity_) return;
    json body = lease->object;
    body["spec"]["holderIdentity"] = nullptr;
    body["spec"]["leaseDurationSeconds"] = 1;
    body["metadata"]["resourceVersion"] = lease->resource_version;
    auto r = api_.call("PUT", api_.lease(lease_name()), &body);
    if (r && r->ok()) return;
  }
}

void lease_election::revoke(leader_election_listener& listener, const std::string& why) {
  fencing_token token;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leading_) return;
    leading_ = false;
    token = token_;
    refusal_.reset();
  }
  logging::get("ha")->warn("revoked leadership {} ({})", token.to_string(), why);
  listener.on_revoke(token);
}

void lease_election::run(leader_election_listener* listener) {
  auto log = logging::get("ha");
  auto next_renew = clock_.now();
  for (;;) {
    bool leading;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      leading = leading_;
    }
    if (!leading) {
      epoch_t epoch = 0;
      auto sent = try_acquire(epoch);
      if (!sent) {
        if (!wait_for_lease_change(clock_.now() + timing_.retry_period)) return;
        continue;
      }
      fencing_token token{epoch, random_source::instance().uuid()};
      {
        std::lock_guard<std::mutex> lock(mu_);
        token_ = token;
        deadline_ = *sent + timing_.renew_deadline;
        leading_ = true;  // for the fence below; granted only once it is raised
      }
      seen_.observe(epoch);
      auto w = writer(token);
      auto fenced = w ? maps_.raise_fences(*w) : result<void>(std::move(w).err());
      if (!fenced) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          leading_ = false;
        }
        log->warn("took Lease {}/{} with epoch {} but could not fence the HA ConfigMaps: {}", api_.ns(), lease_name(),
                  epoch, fenced.err().message);
        release();
        if (!wait(clock_.now() + timing_.retry_period)) return;
        continue;
      }
      // Fencing took time out of the renew deadline: renew first, so the grant starts with a
      // whole one (else a slow fence step could hand out a leadership that is over at once).
      bool lost = false;
      if (!renew(lost)) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          leading_ = false;
        }
        log->warn("took Lease {}/{} with epoch {} and fenced, but could not renew it before granting", api_.ns(),
                  lease_name(), epoch);
        if (!wait(clock_.now() + timing_.retry_period)) return;
        continue;
      }
      log->info("granted leadership {} (Lease {}/{}, holder {})", token.to_string(), api_.ns(), lease_name(),
                identity_);
      listener->on_grant(token, clock_.wall_millis());
      next_renew = clock_.now() + timing_.retry_period;
      continue;
    }
    // Leading: renew every retry period; give up at the renew deadline.
    clock::time_point deadline;
    {
      std::lock_guard<std::mutex> lock(mu_);
      deadline = deadline_;
    }
    if (!wait(std::min(next_renew, deadline))) return;
    std::optional<std::string> refused;
    {
      std::lock_guard<std::mutex> lock(mu_);
      refused = refusal_;
      deadline = deadline_;
    }
    if (refused) {
      // We still hold the Lease: the next turn of the loop takes it again with an epoch above
      // the one reported (holder == us counts as free).
      revoke(*listener, "refused: " + *refused);
      continue;
    }
    if (clock_.now() >= deadline) {
      revoke(*listener, "could not renew the Lease within the renew deadline");
      continue;
    }
    if (clock_.now() < next_renew) continue;
    bool lost = false;
    if (renew(lost)) {
      next_renew = clock_.now() + timing_.retry_period;
    } else if (lost) {
      revoke(*listener, "the Lease is held by someone else now");
    } else {
      next_renew = clock_.now() + timing_.retry_period / 4;
    }
  }
}

result<void> lease_election::publish(const std::string& component, const leader_info& info) {
  return publish_all({component}, info);
}

result<void> lease_election::publish_all(const std::vector<std::string>& components, const leader_info& info) {
  auto w = writer(info.token);
  if (!w) return std::move(w).err();
  auto text = to_json(info);
  auto r = maps_.modify(*w, maps_.leader_info_map(), [&](const map_state&) -> result<map_changes> {
    map_changes c;
    for (const auto& comp : components) c[info_key(comp)] = text;
    return c;
  });
  if (!r) return std::move(r).err();
  return ok();
}

result<void> lease_election::unpublish(const std::string& component, const fencing_token& token) {
  return unpublish_all({component}, token);
}

result<void> lease_election::unpublish_all(const std::vector<std::string>& components, const fencing_token& token) {
  auto w = writer(token);
  if (!w) return std::move(w).err();
  auto r = maps_.modify(*w, maps_.leader_info_map(), [&](const map_state&) -> result<map_changes> {
    map_changes c;
    for (const auto& comp : components) c[info_key(comp)] = std::nullopt;
    return c;
  });
  if (!r) return std::move(r).err();
  return ok();
}

}  // namespace regent::ha::kubernetes

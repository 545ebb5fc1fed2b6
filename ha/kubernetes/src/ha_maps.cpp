#include "ha_maps.hpp"

#include <set>

#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha::kubernetes {

namespace {

/// FNV-1a, then MurmurHash3's finaliser: FNV's low bits alone put every hex job id in one shard.
std::uint64_t job_hash(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

bool applied(const map_state& st, const map_changes& changes) {
  for (const auto& [key, value] : changes) {
    auto it = st.data.find(key);
    if (value && (it == st.data.end() || it->second != *value)) return false;
    if (!value && it != st.data.end()) return false;
  }
  return true;
}

error not_leader(const std::string& what) { return error{errc::not_leader, what}; }

}  // namespace

std::size_t data_size(const std::map<std::string, std::string>& data) {
  std::size_t n = 0;
  for (const auto& [k, v] : data) n += k.size() + v.size();
  return n;
}

ha_maps::ha_maps(api_client& api, std::string cluster_id, int max_retries)
    : api_(api), cluster_id_(std::move(cluster_id)), max_retries_(max_retries) {}

std::string ha_maps::shard_of(const job_id& job) const {
  return cluster_id_ + "-ha-" + std::to_string(job_hash(job.str()) % shard_count);
}

std::string ha_maps::shard_name(int i) const { return cluster_id_ + "-ha-" + std::to_string(i); }

bool ha_maps::is_shard(const std::string& name) const {
  for (int i = 0; i < shard_count; ++i)
    if (name == shard_name(i)) return true;
  return false;
}

std::vector<std::string> ha_maps::all_maps() const {
  std::vector<std::string> names{leader_info_map()};
  for (int i = 0; i < shard_count; ++i) names.push_back(shard_name(i));
  return names;
}

std::string ha_maps::label_selector() const { return "app=" + cluster_id_ + ",configmap-type=high-availability"; }

std::string ha_maps::describe(const std::string& name) const { return "ConfigMap " + api_.ns() + "/" + name; }

json ha_maps::labels() const { return json{{"app", cluster_id_}, {"configmap-type", "high-availability"}}; }

result<map_state> ha_maps::parse(const json& object, const std::string& name) const {
  return parse_config_map(object, name, describe(name));
}

result<map_state> ha_maps::read(const std::string& name) const {
  if (auto cached = from_cache(name)) return std::move(*cached);
  return fetch(name);
}

std::optional<map_state> ha_maps::from_cache(const std::string& name) const {
  epoch_t epoch = 0;
  std::function<bool()> valid;
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    epoch = cache_epoch_;
    valid = cache_valid_;
  }
  if (epoch == 0 || !valid || !valid()) return std::nullopt;
  auto& s = slot(name);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.last && s.last->fence == epoch) return s.last;
  return std::nullopt;
}

result<map_state> ha_maps::fetch(const std::string& name) const {
  auto r = api_.get(api_.configmap(name));
  if (!r) return std::move(r).err();
  if (r->status == 404) {
    map_state st;
    st.name = name;
    return st;
  }
  if (!r->ok()) return error{errc::unavailable, "reading " + describe(name) + ": " + r->describe()};
  return parse(r->body, name);
}

result<std::vector<map_state>> ha_maps::read_all() const {
  std::vector<map_state> cached;
  for (const auto& name : all_maps()) {
    auto st = from_cache(name);
    if (!st) break;
    if (st->exists) cached.push_back(std::move(*st));
    if (name == all_maps().back()) return cached;
  }
  auto r = api_.get(api_.configmaps() + "?labelSelector=" + url_encode(label_selector()));
  if (!r) return std::move(r).err();
  if (!r->ok())
    return error{errc::unavailable, "listing the HA ConfigMaps (" + label_selector() + "): " + r->describe()};
  std::vector<map_state> out;
  if (!r->body.contains("items") || !r->body["items"].is_array())
    return error{errc::corrupt, "listing the HA ConfigMaps: the answer has no items"};
  for (const auto& item : r->body["items"]) {
    std::string name = string_field(field(item, "metadata"), "name");
    auto st = parse(item, name);
    if (!st) return std::move(st).err();
    out.push_back(std::move(*st));
  }
  return out;
}

void ha_maps::remember(const std::string& name, std::optional<map_state> st) {
  auto& s = slot(name);
  std::lock_guard<std::mutex> lock(s.mu);
  s.last = std::move(st);
}

map_state ha_maps::absent(const std::string& name, epoch_t epoch) {
  map_state st;
  st.name = name;
  st.fence = epoch;
  return st;
}

result<void> ha_maps::raise_fences(const writer_identity& who) {
  // What this process remembers of the maps is of an older leadership: forget it. The fence
  // step below leaves every map's state as of the fence (absent shards included), from which
  // the leader's reads are served while it holds the leadership — it is their only writer.
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    cache_epoch_ = 0;
    cache_valid_ = nullptr;
  }
  for (const auto& name : all_maps()) remember(name, std::nullopt);
  auto done = raise_all(who);
  if (done) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    cache_epoch_ = who.epoch;
    cache_valid_ = who.still_leading;
  }
  return done;
}

result<void> ha_maps::raise_all(const writer_identity& who) {
  // The leader-info map first: once it shows the new epoch, no deposed leader can confirm a
  // shard it creates (README "Creations"), so a shard the list below does not show stays
  // absent or empty until the new leader itself writes it.
  if (auto r = raise_fence(who, leader_info_map(), read(leader_info_map())); !r) return r;
  auto all = read_all();
  if (!all) {
    // Could not list: fence every shard by name instead.
    for (int i = 0; i < shard_count; ++i)
      if (auto r = raise_fence(who, shard_name(i), read(shard_name(i))); !r) return r;
    return ok();
  }
  std::set<std::string> listed;
  for (auto& st : *all) {
    auto name = st.name;
    if (!is_shard(name)) continue;
    listed.insert(name);
    if (auto r = raise_fence(who, name, std::move(st)); !r) return r;
  }
  for (int i = 0; i < shard_count; ++i)
    if (!listed.count(shard_name(i))) remember(shard_name(i), absent(shard_name(i), who.epoch));
  return ok();
}

result<void> ha_maps::raise_fence(const writer_identity& who, const std::string& name, result<map_state> st) {
  const std::string epoch = std::to_string(who.epoch);
  const bool shard = name != leader_info_map();
  for (int attempt = 0;; ++attempt) {
    if (attempt > 0) st = fetch(name);
    if (!who.still_leading()) return not_leader("the leadership of epoch " + epoch + " ran out while fencing");
    if (attempt > max_retries_ + 3)
      return error{errc::unavailable, "could not raise the fence of " + describe(name) + " to epoch " + epoch};
    if (!st) {
      if (st.err().code == make_error_code(errc::corrupt)) return std::move(st).err();
      continue;  // unavailable: try again
    }
    if (st->fence > who.epoch)
      return not_leader(describe(name) + " is fenced by epoch " + std::to_string(st->fence) + " above " + epoch);
    if (st->exists && st->fence == who.epoch && !st->unconfirmed) {
      remember(name, std::move(*st));
      return ok();
    }
    if (shard && !st->exists) {  // absent shards stay absent: a write creates them
      remember(name, absent(name, who.epoch));
      return ok();
    }
    result<api_reply> r = error{};
    if (shard && st->data.empty()) {
      // An empty shard (left by a writer that was deposed before it confirmed its creation):
      // removed rather than fenced, conditional on the version read.
      json pre = {{"preconditions", {{"resourceVersion", st->resource_version}}}};
      r = api_.call("DELETE", api_.configmap(name), &pre);
      if (r && (r->ok() || r->status == 404)) {
        remember(name, absent(name, who.epoch));
        return ok();
      }
    } else {
      json body = object(name, who.epoch, st->data, false);
      if (!st->exists) {
        r = api_.call("POST", api_.configmaps(), &body);
      } else {
        body["metadata"]["resourceVersion"] = st->resource_version;
        r = api_.call("PUT", api_.configmap(name), &body);
      }
      if (r && r->ok()) {
        auto now = parse(r->body, name);
        remember(name, now && now->fence == who.epoch ? std::optional<map_state>(std::move(*now)) : std::nullopt);
        return ok();
      }
    }
    if (r && (r->status == 403 || r->status == 401 || r->status == 422))
      return error{errc::io, "fencing " + describe(name) + ": " + r->describe()};
    // Conflict, AlreadyExists, ambiguous answers: read again and decide from what is there.
  }
}

json ha_maps::object(const std::string& name, epoch_t epoch, const std::map<std::string, std::string>& data,
                     bool unconfirmed) const {
  json body = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}};
  json annotations = {{fence_annotation, std::to_string(epoch)}};
  if (unconfirmed) annotations[unconfirmed_annotation] = "true";
  body["metadata"] = {{"name", name}, {"labels", labels()}, {"annotations", annotations}};
  body["data"] = json::object();
  for (const auto& [k, v] : data) body["data"][k] = v;
  return body;
}

result<void> ha_maps::confirm(const writer_identity& who) const {
  auto info = fetch(leader_info_map());  // never a remembered state: the fence argument needs a read now
  if (!info) return std::move(info).err();
  if (!info->exists || info->fence != who.epoch)
    return not_leader(describe(leader_info_map()) + " is fenced by epoch " + std::to_string(info->fence) +
                      ", not " + std::to_string(who.epoch) + ": a newer leader took over");
  return ok();
}

ha_maps::map_slot& ha_maps::slot(const std::string& name) const {
  std::lock_guard<std::mutex> lock(slots_mu_);
  auto& p = slots_[name];
  if (!p) p = std::make_unique<map_slot>();
  return *p;
}

result<map_state> ha_maps::modify(const writer_identity& who, const std::string& name,
                                  const std::function<result<map_changes>(const map_state&)>& change) {
  // The leader is the only writer: its own writes to one map go one at a time (so they never
  // conflict with each other), each starting from the state its previous write left — a
  // stale copy only costs a 409 and a fresh read.
  auto& s = slot(name);
  std::lock_guard<std::mutex> write_lock(s.mu);
  const bool shard = is_shard(name);
  for (int attempt = 0; attempt <= max_retries_; ++attempt) {
    if (!who.still_leading()) return not_leader("not leading (epoch " + std::to_string(who.epoch) + ") any more");
    result<map_state> st = error{};
    const bool from_cache = s.last && s.last->fence == who.epoch;
    if (from_cache) {
      st = *s.last;
    } else {
      st = fetch(name);
    }
    s.last.reset();
    if (!st) {
      if (st.err().code == make_error_code(errc::corrupt)) return std::move(st).err();
      continue;
    }
    if (!st->exists) {
      if (!shard) return not_leader(describe(name) + " does not exist: not fenced by epoch " + std::to_string(who.epoch));
      auto changes = change(*st);
      if (!changes) return std::move(changes).err();
      if (applied(*st, *changes)) {  // nothing to write, nothing to create
        if (st->fence == who.epoch) s.last = *st;
        return st;
      }
      // A shard is created empty and unconfirmed; the next round reads it, confirms and writes.
      json body = object(name, who.epoch, {}, true);
      auto r = api_.call("POST", api_.configmaps(), &body);
      if (r && (r->status == 403 || r->status == 401 || r->status == 422))
        return error{errc::io, "creating " + describe(name) + ": " + r->describe()};
      if (r && r->ok()) --attempt;  // not a failed attempt; AlreadyExists or no answer: the read tells
      continue;
    }
    // A lower fence on an unconfirmed shard: created by a leader deposed before it confirmed;
    // it holds nothing, and the confirmation below decides whether we may take it over.
    const bool stale_creation = shard && st->unconfirmed && st->fence < who.epoch;
    if (st->fence != who.epoch && !stale_creation)
      return not_leader(describe(name) + " is fenced by epoch " + std::to_string(st->fence) + ", not " +
                        std::to_string(who.epoch));
    if (st->unconfirmed)
      if (auto c = confirm(who); !c) {
        if (c.err().code == make_error_code(errc::not_leader)) return std::move(c).err();
        continue;
      }
    auto changes = change(*st);
    if (!changes) return std::move(changes).err();
    auto data = st->data;
    for (const auto& [k, v] : *changes) {
      if (v)
        data[k] = *v;
      else
        data.erase(k);
    }
    if (shard && data.empty()) {
      // The shard's last key goes: the map goes, by a DELETE on the version read (fenced as a PUT).
      json pre = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"},
                  {"preconditions", {{"resourceVersion", st->resource_version}}}};
      auto r = api_.call("DELETE", api_.configmap(name), &pre);
      if (r && r->ok()) {
        s.last = absent(name, who.epoch);
        return st;
      }
      if (r && (r->status == 409 || r->status == 404)) continue;  // changed or gone: decide from a fresh read
      if (r && !r->ambiguous()) return error{errc::io, "deleting " + describe(name) + ": " + r->describe()};
      auto again = fetch(name);
      if (again && !again->exists) {
        logging::get("ha")->info("{}: an unanswered delete had landed (found by reading it back)", describe(name));
        return st;
      }
      continue;
    }
    if (applied(*st, *changes) && !st->unconfirmed) {
      if (!from_cache) return st;
      --attempt;  // nothing to write by our copy: confirm it with a read
      continue;
    }
    if (auto size = data_size(data); size > configmap_limit)
      return error{errc::invalid_argument, describe(name) + " would hold " + std::to_string(size) +
                                               " bytes of data, over Kubernetes' limit of 1 MiB; nothing was written"};
    json body = object(name, who.epoch, data, false);
    body["metadata"]["resourceVersion"] = st->resource_version;
    auto r = api_.call("PUT", api_.configmap(name), &body);
    if (r && r->ok()) {
      if (auto now = parse(r->body, name); now && now->fence == who.epoch) s.last = std::move(*now);
      return st;
    }
    if (r && r->status == 409) continue;  // changed under us: decide again from a fresh read
    if (r && !r->ambiguous())
      return error{r->status == 422 ? errc::invalid_argument : errc::io,
                   "writing " + describe(name) + ": " + r->describe()};
    // No answer, or one that does not say whether it was applied: read to find out.
    auto again = fetch(name);
    if (again && again->exists && again->fence == who.epoch && !again->unconfirmed &&
        again->resource_version != st->resource_version && applied(*again, *changes)) {
      logging::get("ha")->info("{}: an unanswered write had landed (found by reading it back)", describe(name));
      return st;
    }
  }
  return error{errc::unavailable, "writing " + describe(name) + ": gave up after " + std::to_string(max_retries_ + 1) +
                                      " attempts (kubernetes.transactional-operation.max-retries)"};
}

result<void> ha_maps::remove_all() {
  for (const auto& name : all_maps()) {
    auto r = api_.call("DELETE", api_.configmap(name));
    if (!r) return std::move(r).err();
    if (!r->ok() && r->status != 404) return error{errc::io, "deleting " + describe(name) + ": " + r->describe()};
  }
  return ok();
}

}  // namespace regent::ha::kubernetes

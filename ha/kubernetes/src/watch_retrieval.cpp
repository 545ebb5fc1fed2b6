#include "watch_retrieval.hpp"

#include "regent/ha/errc.hpp"
#include "regent/ha/leader_info_json.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha::kubernetes {

watch_retrieval::watch_retrieval(api_client& api, ha_maps& maps, std::string component, std::chrono::milliseconds retry,
                                 std::function<void(epoch_t)> observed)
    : api_(api),
      maps_(maps),
      component_(std::move(component)),
      key_("leader." + component_),
      retry_(retry),
      observed_(std::move(observed)) {}

watch_retrieval::~watch_retrieval() { stop(); }

result<void> watch_retrieval::start(leader_retrieval_listener& listener) {
  if (thread_.joinable()) return error{errc::invalid_argument, "retrieval already started"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this, &listener] { run(&listener); });
  return ok();
}

void watch_retrieval::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<leader_info> watch_retrieval::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

bool watch_retrieval::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void watch_retrieval::report(leader_retrieval_listener& listener, const json* object) {
  std::optional<leader_info> now;
  const json& value = object != nullptr ? field(field(*object, "data"), key_.c_str()) : field(json(), "");
  if (value.is_string()) {
    auto source = maps_.describe(maps_.leader_info_map()) + " key " + key_;
    auto info = leader_info_from_json(value.get<std::string>(), source);
    if (info) {
      now = std::move(*info);
      if (observed_) observed_(now->token.epoch);
    } else if (info.err().message != last_error_) {
      last_error_ = info.err().message;
      logging::get("ha")->warn("leader retrieval of {}: {} (reading it as no leader)", component_, last_error_);
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reported_ && current_ == now) return;
    reported_ = true;
    current_ = now;
  }
  listener.on_leader_change(now);
}

std::string watch_retrieval::list(leader_retrieval_listener& listener) {
  auto path = api_.configmaps() + "?fieldSelector=" + url_encode("metadata.name=" + maps_.leader_info_map());
  auto r = api_.get(path);
  std::string why;
  if (!r) {
    why = r.err().message;
  } else if (!r->ok() || !field(r->body, "items").is_array()) {
    why = "listing " + maps_.describe(maps_.leader_info_map()) + ": " + r->describe();
  }
  if (!why.empty()) {
    if (why != last_error_) {
      last_error_ = why;
      logging::get("ha")->warn("leader retrieval of {}: {} (no leader until it answers)", component_, why);
    }
    report(listener, nullptr);
    return "";
  }
  const json& items = field(r->body, "items");
  report(listener, items.empty() ? nullptr : &items[0]);
  return string_field(field(r->body, "metadata"), "resourceVersion");
}

bool watch_retrieval::watch(leader_retrieval_listener& listener, std::string& rv) {
  http_request req;
  req.method = "GET";
  req.target = api_.configmaps() + "?watch=1&allowWatchBookmarks=true&fieldSelector=" +
               url_encode("metadata.name=" + maps_.leader_info_map()) + "&resourceVersion=" + rv;
  bool relist = false;
  bool heard = false;  // an event or bookmark arrived: the stream was up
  auto on_line = [&](std::string_view line) {
    heard = true;
    auto event = parse_watch_event(line);
    if (!event) return true;
    const auto& type = event->type;
    if (type == "ERROR") {
      relist = true;  // 410 Gone (compacted) or anything else the server could not watch: list again
      return false;
    }
    if (auto v = event->resource_version(); !v.empty()) rv = v;
    if (type == "ADDED" || type == "MODIFIED") report(listener, &event->object);
    if (type == "DELETED") report(listener, nullptr);
    return true;
  };
  auto r = api_.transport().stream(
      req, on_line, [this] { return !stopping(); }, std::chrono::milliseconds(100));
  if (!r && heard && !relist) return false;  // cut after it was up: resume from rv
  if (!r) {
    // Unreachable, or cut before anything came: list again (which reports "no leader" while
    // the server does not answer), after a short pause so a server that drops is not hammered.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::min<std::chrono::milliseconds>(retry_, std::chrono::milliseconds(100)),
                 [this] { return stopping_; });
    return true;
  }
  if (r->status == 410) return true;
  if (r->status != 200) {
    logging::get("ha")->warn("leader retrieval of {}: watch answered {}", component_, r->status);
    return true;
  }
  return relist;
}

void watch_retrieval::run(leader_retrieval_listener* listener) {
  std::string rv;
  while (!stopping()) {
    if (rv.empty()) {
      rv = list(*listener);
      if (rv.empty()) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, retry_, [this] { return stopping_; });
        continue;
      }
    }
    if (watch(*listener, rv)) rv.clear();
  }
}

}  // namespace regent::ha::kubernetes

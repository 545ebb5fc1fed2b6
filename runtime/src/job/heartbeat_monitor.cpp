#include "regent/runtime/job/heartbeat_monitor.hpp"

namespace regent::job {

void heartbeat_monitor::track(const std::string& key, clock::time_point now) { last_[key] = now; }

bool heartbeat_monitor::heartbeat(const std::string& key, clock::time_point now) {
  auto it = last_.find(key);
  if (it == last_.end()) return false;
  // A heartbeat processed late never moves the record backwards.
  if (now > it->second) it->second = now;
  return true;
}

bool heartbeat_monitor::remove(const std::string& key) { return last_.erase(key) != 0; }

std::optional<clock::duration> heartbeat_monitor::since_last(const std::string& key, clock::time_point now) const {
  auto it = last_.find(key);
  if (it == last_.end()) return std::nullopt;
  return now - it->second;
}

std::vector<std::string> heartbeat_monitor::expired(clock::time_point now, clock::duration timeout) const {
  std::vector<std::string> out;
  for (const auto& [key, last] : last_)
    if (now - last > timeout) out.push_back(key);
  return out;
}

std::optional<clock::time_point> heartbeat_monitor::next_expiry(clock::duration timeout) const {
  std::optional<clock::time_point> earliest;
  for (const auto& [key, last] : last_)
    if (!earliest || last < *earliest) earliest = last;
  if (!earliest) return std::nullopt;
  // expired() uses "more than timeout", so the key is expired just after this point.
  return *earliest + timeout + clock::duration(1);
}

}  // namespace regent::job

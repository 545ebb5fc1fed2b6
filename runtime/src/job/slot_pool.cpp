#include "regent/runtime/job/slot_pool.hpp"

#include <algorithm>

#include "regent/runtime/errc.hpp"

namespace regent::job {

result<void> slot_pool::add_taskmanager(const std::string& id, const std::string& address, int slots) {
  if (id.empty()) return error(runtime_errc::invalid_argument, "taskmanager id must not be empty");
  if (slots < 1)
    return error(runtime_errc::invalid_argument,
                 "taskmanager " + id + " offers " + std::to_string(slots) + " slots (needs at least 1)");
  if (tms_.count(id)) return error(runtime_errc::already_exists, "taskmanager " + id + " is registered already");
  taskmanager tm;
  tm.address = address;
  tm.slots.resize(static_cast<std::size_t>(slots));
  tm.free = slots;
  tms_.emplace(id, std::move(tm));
  return ok();
}

std::vector<job_id> slot_pool::remove_taskmanager(const std::string& id) {
  auto it = tms_.find(id);
  if (it == tms_.end()) return {};
  std::vector<job_id> lost;
  for (const auto& h : it->second.slots)
    if (h && std::find(lost.begin(), lost.end(), h->job) == lost.end()) lost.push_back(h->job);
  tms_.erase(it);
  for (const auto& job : lost) {
    auto& held = jobs_[job];
    held.erase(std::remove_if(held.begin(), held.end(), [&](const auto& a) { return a.taskmanager_id == id; }),
               held.end());
    if (held.empty()) jobs_.erase(job);
  }
  std::sort(lost.begin(), lost.end());
  return lost;
}

result<std::vector<slot_assignment>> slot_pool::allocate(const job_id& job, int count) {
  if (count < 1)
    return error(runtime_errc::invalid_argument,
                 "job " + job.str() + " asks for " + std::to_string(count) + " slots (needs at least 1)");
  if (jobs_.count(job))
    return error(runtime_errc::already_exists, "job " + job.str() + " holds slots already (release them first)");
  const int free = free_slots();
  if (free < count)
    return error(runtime_errc::insufficient_slots, "job " + job.str() + " needs " + std::to_string(count) + " slots, " +
                                                       std::to_string(free) + " of " + std::to_string(total_slots()) +
                                                       " are free");

  std::vector<std::pair<const std::string*, taskmanager*>> order;
  for (auto& [id, tm] : tms_)
    if (tm.free > 0) order.emplace_back(&id, &tm);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second->free > b.second->free; });

  std::vector<slot_assignment> out;
  while (static_cast<int>(out.size()) < count) {
    for (auto& [id, tm] : order) {
      if (static_cast<int>(out.size()) == count) break;
      if (tm->free == 0) continue;
      auto slot = std::find_if(tm->slots.begin(), tm->slots.end(), [](const auto& h) { return !h; });
      const int subtask = static_cast<int>(out.size());
      *slot = holder{job, subtask};
      --tm->free;
      out.push_back({subtask, *id, tm->address, static_cast<int>(slot - tm->slots.begin())});
    }
  }
  jobs_[job] = out;
  return out;
}

result<slot_assignment> slot_pool::claim(const job_id& job, int subtask, const std::string& taskmanager_id) {
  auto tm = tms_.find(taskmanager_id);
  if (tm == tms_.end()) return error(runtime_errc::not_found, "no taskmanager " + taskmanager_id);
  auto& held = jobs_[job];
  if (std::any_of(held.begin(), held.end(), [&](const auto& a) { return a.subtask == subtask; })) {
    return error(runtime_errc::already_exists,
                 "job " + job.str() + " holds a slot for subtask " + std::to_string(subtask) + " already");
  }
  auto slot = std::find_if(tm->second.slots.begin(), tm->second.slots.end(), [](const auto& h) { return !h; });
  if (slot == tm->second.slots.end()) {
    if (held.empty()) jobs_.erase(job);
    return error(runtime_errc::insufficient_slots, "taskmanager " + taskmanager_id + " has no free slot");
  }
  *slot = holder{job, subtask};
  --tm->second.free;
  slot_assignment a{subtask, taskmanager_id, tm->second.address, static_cast<int>(slot - tm->second.slots.begin())};
  held.insert(
      std::upper_bound(held.begin(), held.end(), a, [](const auto& x, const auto& y) { return x.subtask < y.subtask; }),
      a);
  return a;
}

int slot_pool::release(const job_id& job) {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return 0;
  int freed = 0;
  for (const auto& a : it->second) {
    auto tm = tms_.find(a.taskmanager_id);
    if (tm == tms_.end()) continue;
    auto& slot = tm->second.slots[static_cast<std::size_t>(a.slot_index)];
    if (slot && slot->job == job) {
      slot.reset();
      ++tm->second.free;
      ++freed;
    }
  }
  jobs_.erase(it);
  return freed;
}

std::vector<slot_assignment> slot_pool::slots_of(const job_id& job) const {
  auto it = jobs_.find(job);
  return it == jobs_.end() ? std::vector<slot_assignment>{} : it->second;
}

int slot_pool::total_slots() const {
  int n = 0;
  for (const auto& [id, tm] : tms_) n += static_cast<int>(tm.slots.size());
  return n;
}

int slot_pool::free_slots() const {
  int n = 0;
  for (const auto& [id, tm] : tms_) n += tm.free;
  return n;
}

std::vector<taskmanager_slots> slot_pool::taskmanagers() const {
  std::vector<taskmanager_slots> out;
  for (const auto& [id, tm] : tms_) out.push_back({id, tm.address, static_cast<int>(tm.slots.size()), tm.free});
  return out;
}

}  // namespace regent::job

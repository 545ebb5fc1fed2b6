#include "regent/programs/cli_format.hpp"

#include <algorithm>
#include <cstdio>

namespace regent::programs {

std::string format_duration(std::int64_t ms) {
  if (ms < 0) return "-";
  char out[32];
  const std::int64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;
  if (ms < 1000)
    std::snprintf(out, sizeof out, "%lldms", static_cast<long long>(ms));
  else if (s < 60)
    std::snprintf(out, sizeof out, "%llds", static_cast<long long>(s));
  else if (m < 60)
    std::snprintf(out, sizeof out, "%lldm%02llds", static_cast<long long>(m), static_cast<long long>(s % 60));
  else if (h < 24)
    std::snprintf(out, sizeof out, "%lldh%02lldm", static_cast<long long>(h), static_cast<long long>(m % 60));
  else
    std::snprintf(out, sizeof out, "%lldd%02lldh", static_cast<long long>(d), static_cast<long long>(h % 24));
  return out;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

std::string progress_line(const run_progress& p) {
  std::string line = "job " + p.job_id + ": " + (p.state.empty() ? "submitted" : p.state);
  if (p.duration_ms >= 0) line += " " + format_duration(p.duration_ms);
  if (p.records_per_second) line += " · " + format_rate(*p.records_per_second) + " records/s";
  line += " · " + std::to_string(p.checkpoints) + (p.checkpoints == 1 ? " checkpoint" : " checkpoints");
  if (p.restarts > 0) line += " · " + std::to_string(p.restarts) + (p.restarts == 1 ? " restart" : " restarts");
  line +=
      p.leader.empty() ? " · no leader known" : " · leader " + p.leader + " (epoch " + std::to_string(p.epoch) + ")";
  return line;
}

std::string format_rate(double per_second) {
  char out[32];
  if (per_second < 0) per_second = 0;
  if (per_second < 1000)
    std::snprintf(out, sizeof out, "%.0f", per_second);
  else if (per_second < 1e6)
    std::snprintf(out, sizeof out, "%.1fk", per_second / 1e3);
  else
    std::snprintf(out, sizeof out, "%.1fM", per_second / 1e6);
  return out;
}

void record_rate::add(std::int64_t now_ms, std::int64_t records) {
  if (records < 0) return;
  if (!samples_.empty() && (records < samples_.back().second || now_ms < samples_.back().first)) samples_.clear();
  samples_.emplace_back(now_ms, records);
  // Keep the newest answer older than the window too: the rate then spans the whole window.
  while (samples_.size() > 2 && samples_[1].first <= now_ms - window_ms_) samples_.pop_front();
}

std::optional<double> record_rate::per_second() const {
  if (samples_.size() < 2) return std::nullopt;
  const auto& [t0, r0] = samples_.front();
  const auto& [t1, r1] = samples_.back();
  if (t1 <= t0) return std::nullopt;
  return static_cast<double>(r1 - r0) * 1000.0 / static_cast<double>(t1 - t0);
}

std::string leader_line(const std::string& rest_url, const std::string& rpc_address, std::uint64_t epoch,
                        const std::string& session_id) {
  if (rest_url.empty()) return "no leader known";
  return "leader " + rest_url + " (rpc " + rpc_address + ") epoch " + std::to_string(epoch) + " session " + session_id;
}

}  // namespace regent::programs

#pragma once
/// The HA backends the contract suite runs against. Each one knows how to build an
/// ha_services instance in-process (a "process" of its own as far as the backend can tell)
/// and how to configure a separate process (a conf dir) to use the same cluster.
///
/// To add a backend: give it the same members and add it to the type lists below.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/ha/ha_services.hpp"
#include "regent/ha/none/none_ha_services.hpp"

namespace regent::contract {

inline constexpr std::chrono::seconds deadline{15};

/// `filesystem`: every instance over the same storage dir is another contender.
struct filesystem_backend {
  static constexpr const char* name = "filesystem";
  explicit filesystem_backend(std::filesystem::path root) : root_(std::move(root)) {}

  std::unique_ptr<ha::ha_services> make_services(int retained = 1, bool delete_on_commit = true) const {
    ha::filesystem::options o;
    o.storage_dir = root_ / "ha";
    o.cluster_id = "contract";
    o.job_result_store_dir = root_ / "ha" / "job-result-store" / "contract";
    o.checkpoints_retained = retained;
    o.delete_on_commit = delete_on_commit;
    return ha::filesystem::make_ha_services(o);
  }

  /// Writes a conf dir for a separate process using this cluster; returns its path.
  std::filesystem::path write_conf_dir(const std::string& label) const {
    auto dir = root_ / ("conf-" + label);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config.yaml") << "high-availability:\n"
                                       << "  type: filesystem\n"
                                       << "  storageDir: " << (root_ / "ha").string() << "\n"
                                       << "  cluster-id: contract\n"
                                       << "log.level: warn\n";
    return dir;
  }

  std::filesystem::path cluster_dir() const { return root_ / "ha" / "contract"; }

 private:
  std::filesystem::path root_;
};

/// `none`: one jobmanager, always leader, in memory. Only one instance is meaningful.
struct none_backend {
  static constexpr const char* name = "none";
  explicit none_backend(std::filesystem::path) {}
  std::unique_ptr<ha::ha_services> make_services(int retained = 1, bool delete_on_commit = true) const {
    ha::none::options o;
    o.checkpoints_retained = retained;
    o.delete_on_commit = delete_on_commit;
    return ha::none::make_ha_services(o);
  }
};

/// Records election events; tests wait on them with deadlines.
class recording_listener final : public ha::leader_election_listener {
 public:
  void on_grant(const fencing_token& token, std::int64_t) override { push({'G', token, {}}); }
  void on_revoke(const fencing_token& token) override { push({'R', token, {}}); }
  void on_error(const error& e) override {
    event ev;
    ev.kind = 'E';
    ev.message = e.message;
    push(std::move(ev));
  }

  struct event {
    char kind;  // G, R, E
    fencing_token token;
    std::string message;
  };

  /// The next event (consumed), or nullopt at the deadline.
  std::optional<event> next(std::chrono::milliseconds timeout = deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return !events_.empty(); })) return std::nullopt;
    auto e = events_.front();
    events_.pop_front();
    return e;
  }
  /// Waits for the next event and returns its token if it is a grant.
  std::optional<fencing_token> next_grant(std::chrono::milliseconds timeout = deadline) {
    auto e = next(timeout);
    if (!e || e->kind != 'G') return std::nullopt;
    return e->token;
  }
  std::size_t pending() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  void push(event e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_all();
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<event> events_;
};

/// Records leader changes seen by retrieval.
class recording_retrieval_listener final : public ha::leader_retrieval_listener {
 public:
  void on_leader_change(const std::optional<ha::leader_info>& leader) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(leader);
    }
    cv_.notify_all();
  }
  /// Waits until the reported leader satisfies `pred` (nullopt counts as "no leader").
  template <class Pred>
  bool wait_until(Pred pred, std::chrono::milliseconds timeout = deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return !seen_.empty() && pred(seen_.back()); });
  }
  std::vector<std::optional<ha::leader_info>> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<ha::leader_info>> seen_;
};

inline job_id test_job(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return *job_id::parse(buf);
}

}  // namespace regent::contract

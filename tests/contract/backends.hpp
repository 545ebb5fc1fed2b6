#pragma once
/// The HA backends the contract suite runs against. Each one knows how to build an
/// ha_services instance in-process (a "process" of its own as far as the backend can tell)
/// and how to configure a separate process (a conf dir) to use the same cluster.
///
/// To add a backend: give it the same members and add it to the type lists below.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/ha/ha_services.hpp"
#include "regent/ha/kubernetes/kubernetes_ha_services.hpp"
#include "regent/ha/none/none_ha_services.hpp"
#include "regent/ha/zookeeper/zookeeper_ha_services.hpp"
#include "kube_env.hpp"
#include "zk_env.hpp"

namespace regent::contract {

inline constexpr std::chrono::seconds deadline{30};

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

/// `zookeeper`: every instance is a contender with a ZooKeeper session of its own, against the
/// test process's real 3-node quorum (zk_env.hpp). Each fixture is a cluster of its own: its
/// cluster id is its temp folder's unique name.
struct zookeeper_backend {
  static constexpr const char* name = "zookeeper";
  /// In-process sessions never need to expire in the contract tests: a long timeout keeps a
  /// busy machine from expiring them by accident — and from losing the connection: the client
  /// gives a connection up after two thirds of the timeout without an answer, and a server of
  /// a quorum that just started beside another test's quorum (ctest -j2: six JVMs starting on
  /// two cores) once stalled for 5.4 s, a lost connection that revoked a test's leader.
  static constexpr std::chrono::milliseconds in_process_session{20000};
  /// Separate processes are killed and paused: their sessions must expire soon after.
  static constexpr std::chrono::milliseconds process_session{2000};

  explicit zookeeper_backend(std::filesystem::path root)
      : root_(std::move(root)), cluster_(root_.filename().string()), quorum_(shared_quorum().connect_string()) {}

  ha::zookeeper::options options(int retained = 1, bool delete_on_commit = true) const {
    ha::zookeeper::options o;
    o.quorum = quorum_;
    o.path_root = zk_test_root;
    o.cluster_id = cluster_;
    o.session_timeout = in_process_session;
    o.connection_timeout = std::chrono::milliseconds(20000);
    o.retry_wait = std::chrono::milliseconds(100);
    o.max_retry_attempts = 5;
    o.storage_dir = root_ / "ha";
    o.job_result_store_dir = root_ / "ha" / "job-result-store" / cluster_;
    o.retained = retained;
    o.delete_on_commit = delete_on_commit;
    return o;
  }

  std::unique_ptr<ha::ha_services> make_services(int retained = 1, bool delete_on_commit = true) const {
    return make(options(retained, delete_on_commit));
  }

  static std::unique_ptr<ha::ha_services> make(const ha::zookeeper::options& o) {
    auto ha = ha::zookeeper::make_ha_services(o);
    if (!ha) throw std::runtime_error("zookeeper services: " + ha.err().message);
    return std::move(*ha);
  }

  /// Writes a conf dir for a separate process using this cluster; returns its path.
  std::filesystem::path write_conf_dir(const std::string& label) const {
    auto dir = root_ / ("conf-" + label);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config.yaml") << "high-availability.type: zookeeper\n"
                                       << "high-availability.storageDir: " << (root_ / "ha").string() << "\n"
                                       << "high-availability.cluster-id: " << cluster_ << "\n"
                                       << "high-availability.zookeeper.quorum: " << quorum_ << "\n"
                                       << "high-availability.zookeeper.path.root: " << zk_test_root << "\n"
                                       << "high-availability.zookeeper.client.session-timeout: "
                                       << process_session.count() << " ms\n"
                                       << "high-availability.zookeeper.client.connection-timeout: 20 s\n"
                                       << "high-availability.zookeeper.client.retry-wait: 100 ms\n"
                                       << "high-availability.zookeeper.client.max-retry-attempts: 5\n"
                                       << "log.level: info\n";
    return dir;
  }

  std::filesystem::path cluster_dir() const { return root_ / "ha" / cluster_; }
  std::filesystem::path job_result_dir() const { return root_ / "ha" / "job-result-store" / cluster_; }
  /// The cluster's znode namespace.
  std::string ns() const { return std::string(zk_test_root) + "/" + cluster_; }
  const std::string& quorum() const { return quorum_; }

 private:
  std::filesystem::path root_;
  std::string cluster_;
  std::string quorum_;
};

/// `kubernetes`: every instance is a contender with a client of its own, against the test
/// process's Kubernetes API-server test double (kube_env.hpp). Each fixture is a cluster of its
/// own (a fresh cluster id).
struct kubernetes_backend {
  static constexpr const char* name = "kubernetes";
  /// In-process contenders never lose their lease by accident on a busy machine; they hand it
  /// over by releasing it (stop), which standbys notice within a retry period.
  static constexpr std::chrono::milliseconds in_process_lease{20000};
  /// Separate processes are killed and paused: their leases must run out soon after.
  static constexpr std::chrono::milliseconds process_lease{2000};

  explicit kubernetes_backend(std::filesystem::path root)
      : root_(std::move(root)), cluster_(fresh_kube_cluster_id()), server_(shared_kube_double()) {}

  ha::kubernetes::options options(int retained = 1, bool delete_on_commit = true) const {
    ha::kubernetes::options o;
    o.cluster_id = cluster_;
    o.config_file = server_.kubeconfig().string();
    o.lease_duration = in_process_lease;
    o.renew_deadline = in_process_lease * 3 / 4;
    o.retry_period = std::chrono::milliseconds(100);
    o.max_retries = 5;
    o.storage_dir = root_ / "ha";
    o.job_result_store_dir = root_ / "ha" / "job-result-store" / cluster_;
    o.retained = retained;
    o.delete_on_commit = delete_on_commit;
    return o;
  }

  std::unique_ptr<ha::ha_services> make_services(int retained = 1, bool delete_on_commit = true) const {
    return make(options(retained, delete_on_commit));
  }

  static std::unique_ptr<ha::ha_services> make(const ha::kubernetes::options& o) {
    auto ha = ha::kubernetes::make_ha_services(o);
    if (!ha) throw std::runtime_error("kubernetes services: " + ha.err().message);
    return std::move(*ha);
  }

  /// Writes a conf dir for a separate process using this cluster; returns its path.
  std::filesystem::path write_conf_dir(const std::string& label) const {
    auto dir = root_ / ("conf-" + label);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config.yaml") << "high-availability.type: kubernetes\n"
                                       << "high-availability.storageDir: " << (root_ / "ha").string() << "\n"
                                       << "kubernetes.cluster-id: " << cluster_ << "\n"
                                       << "kubernetes.config.file: " << server_.kubeconfig().string() << "\n"
                                       << "high-availability.kubernetes.leader-election.lease-duration: "
                                       << process_lease.count() << " ms\n"
                                       << "high-availability.kubernetes.leader-election.renew-deadline: "
                                       << (process_lease * 3 / 4).count() << " ms\n"
                                       << "high-availability.kubernetes.leader-election.retry-period: 100 ms\n"
                                       << "log.level: info\n";
    return dir;
  }

  std::filesystem::path cluster_dir() const { return root_ / "ha" / cluster_; }
  std::filesystem::path job_result_dir() const { return root_ / "ha" / "job-result-store" / cluster_; }
  const std::string& cluster() const { return cluster_; }
  harness::kube_double& server() const { return server_; }

 private:
  std::filesystem::path root_;
  std::string cluster_;
  harness::kube_double& server_;
};

/// Names the typed tests by backend ("store_contract/zookeeper.job_graphs_round_trip").
struct backend_names {
  template <class Backend>
  static std::string GetName(int) {
    return Backend::name;
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

/// Starts `ha`'s election and waits for its grant (a test failure at the deadline).
inline fencing_token lead(ha::ha_services& ha, recording_listener& l) {
  EXPECT_TRUE(ha.election().start(l).ok());
  auto token = l.next_grant();
  EXPECT_TRUE(token.has_value()) << "no grant before the deadline";
  return token.value_or(fencing_token{});
}

inline job_id test_job(int n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", n);
  return *job_id::parse(buf);
}

}  // namespace regent::contract

#include "regent/ha/zookeeper/zookeeper_ha_services.hpp"

#include "graph_cache.hpp"
#include "regent/ha/errc.hpp"
#include "zk_election.hpp"
#include "zk_retrieval.hpp"
#include "zk_stores.hpp"

namespace regent::ha::zookeeper {

namespace {

/// Owns the session, the election (which is also the stores' fence), the standby's copy of
/// the job graphs and, through its base, the stores. Destruction stops the copy's refresh and
/// the election, then closes the session (its ephemeral nodes go at once) unless a retrieval
/// still holds it.
class zookeeper_ha_services final : public store_owning_ha_services {
 public:
  zookeeper_ha_services(const options& o, std::shared_ptr<zk_connection> conn, std::string ns)
      : conn_(std::move(conn)),
        znodes_{std::move(ns)},
        files_{o.storage_dir / trim_slashes(o.cluster_id)},
        clock_(o.clk ? *o.clk : system_clock::instance()),
        io_(o.file_io ? *o.file_io : storage::posix_file_io()),
        tolerate_suspended_(o.tolerate_suspended),
        election_(conn_, znodes_, clock_, o.tolerate_suspended),
        pointers_(*conn_, election_.writer(), io_),
        graph_cache_(pointers_, znodes_, files_) {
    set_stores(make_job_graph_store(pointers_, graph_cache_, znodes_, files_),
               make_checkpoint_store(pointers_, znodes_, files_, o.retained),
               make_checkpoint_id_counter(pointers_, znodes_), make_blob_store(pointers_, znodes_, files_),
               make_job_result_store(o.job_result_store_dir, o.delete_on_commit, election_.writer(), io_, clock_));
  }

  ~zookeeper_ha_services() override {
    graph_cache_.stop();
    election_.stop();
  }

  leader_election_driver& election() override { return election_; }
  std::unique_ptr<leader_retrieval> make_retrieval(const std::string& component) override {
    return std::make_unique<zk_retrieval>(conn_, znodes_, component, tolerate_suspended_);
  }
  std::string backend_name() const override { return "zookeeper"; }
  connection_state connection() const override {
    switch (conn_->state().second) {
      case session_state::connected:
        return connection_state::connected;
      case session_state::expired:
        return connection_state::lost;
      case session_state::connecting:
        break;
    }
    return connection_state::suspended;  // (re)connecting: the session may still resume
  }

 private:
  std::shared_ptr<zk_connection> conn_;
  znode_layout znodes_;
  file_layout files_;
  clock& clock_;
  storage::file_io& io_;
  bool tolerate_suspended_;
  zk_election election_;
  pointer_files pointers_;
  graph_cache graph_cache_;
};

result<void> check_options(const options& o) {
  auto bad = [](const std::string& key, const std::string& why) {
    return error{errc::invalid_argument, key + ": " + why};
  };
  if (o.quorum.empty()) return bad("high-availability.zookeeper.quorum", "no ZooKeeper servers given (host:port,...)");
  if (o.session_timeout.count() <= 0)
    return bad("high-availability.zookeeper.client.session-timeout", "must be positive");
  if (o.connection_timeout.count() <= 0)
    return bad("high-availability.zookeeper.client.connection-timeout", "must be positive");
  if (o.retry_wait.count() < 0) return bad("high-availability.zookeeper.client.retry-wait", "must not be negative");
  if (o.max_retry_attempts < 0)
    return bad("high-availability.zookeeper.client.max-retry-attempts", "must not be negative");
  if (o.creator_acl && o.digest.find(':') == std::string::npos)
    return bad("high-availability.zookeeper.client.digest",
               "the creator ACL needs credentials as user:password (else no session could read its own nodes)");
  if (o.storage_dir.empty()) return bad("high-availability.storageDir", "required for the zookeeper backend");
  if (o.job_result_store_dir.empty()) return bad("job-result-store.storage-path", "is empty");
  return ok();
}

}  // namespace

result<std::unique_ptr<ha_services>> make_ha_services(const options& opts) {
  if (auto r = check_options(opts); !r) return std::move(r).err();
  auto ns = make_namespace(opts.path_root, opts.cluster_id);
  if (!ns) return std::move(ns).err();
  connection_settings cs;
  cs.quorum = opts.quorum;
  cs.session_timeout = opts.session_timeout;
  cs.connection_timeout = opts.connection_timeout;
  cs.retry_wait = opts.retry_wait;
  cs.max_retry_attempts = opts.max_retry_attempts;
  cs.creator_acl = opts.creator_acl;
  cs.digest = opts.digest;
  cs.shared_root = opts.path_root;
  auto conn = zk_connection::open(cs);
  if (!conn) return std::move(conn).err();
  return std::unique_ptr<ha_services>(std::make_unique<zookeeper_ha_services>(opts, std::move(*conn), std::move(*ns)));
}

}  // namespace regent::ha::zookeeper

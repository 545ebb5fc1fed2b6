#include "regent/ha/kubernetes/kubernetes_ha_services.hpp"

#include "api_client.hpp"
#include "ha_maps.hpp"
#include "kube_config.hpp"
#include "kube_stores.hpp"
#include "lease_election.hpp"
#include "regent/ha/errc.hpp"
#include "watch_retrieval.hpp"

namespace regent::ha::kubernetes {

namespace {

/// Owns the API client, the maps, the election and, through its base, the stores. Destruction
/// stops the election (releasing the Lease when held).
class kubernetes_ha_services final : public store_owning_ha_services {
 public:
  kubernetes_ha_services(const options& o, std::unique_ptr<api_transport> transport, std::string ns)
      : clock_(o.clk ? *o.clk : system_clock::instance()),
        io_(o.file_io ? *o.file_io : storage::posix_file_io()),
        api_(std::move(transport), std::move(ns), request_timeout(o), o.max_retries),
        maps_(api_, o.cluster_id, o.max_retries),
        election_(api_, maps_, election_timing{o.lease_duration, o.renew_deadline, o.retry_period}, clock_),
        retry_(o.retry_period) {
    store_context ctx{maps_, election_, io_, o.storage_dir / o.cluster_id};
    set_stores(make_job_graph_store(ctx), make_checkpoint_store(ctx, o.retained), make_checkpoint_id_counter(ctx),
               make_blob_store(ctx),
               make_job_result_store(o.job_result_store_dir, o.delete_on_commit, election_, io_, clock_));
  }

  ~kubernetes_ha_services() override { election_.stop(); }

  leader_election_driver& election() override { return election_; }

  std::unique_ptr<leader_retrieval> make_retrieval(const std::string& component) override {
    return std::make_unique<watch_retrieval>(api_, maps_, component, retry_,
                                             [this](epoch_t e) { election_.observe_epoch(e); });
  }

  std::string backend_name() const override { return "kubernetes"; }
  /// No session to lose: the leadership is a Lease renewed by requests, so "connected" means
  /// the API server answered the latest request and "suspended" that it did not.
  connection_state connection() const override {
    return api_.answering() ? connection_state::connected : connection_state::suspended;
  }

 private:
  /// Half the renew deadline: a renewal that hangs leaves time for another attempt. (Writes
  /// stop at the deadline whatever the renewing thread is doing: has_leadership reads the clock.)
  static std::chrono::milliseconds request_timeout(const options& o) {
    return std::clamp<std::chrono::milliseconds>(o.renew_deadline / 2, std::chrono::milliseconds(200),
                                                 std::chrono::milliseconds(10000));
  }

  clock& clock_;
  storage::file_io& io_;
  api_client api_;
  ha_maps maps_;
  lease_election election_;
  std::chrono::milliseconds retry_;
};

result<void> check_options(const options& o) {
  auto bad = [](const std::string& key, const std::string& why) {
    return error{errc::invalid_argument, key + ": " + why};
  };
  const std::string p = "high-availability.kubernetes.leader-election.";
  if (o.cluster_id.empty()) return bad("kubernetes.cluster-id", "is empty");
  if (o.lease_duration.count() <= 0) return bad(p + "lease-duration", "must be positive");
  if (o.renew_deadline.count() <= 0 || o.renew_deadline >= o.lease_duration)
    return bad(p + "renew-deadline", "must be positive and shorter than the lease duration");
  if (o.retry_period.count() <= 0 || o.retry_period >= o.renew_deadline)
    return bad(p + "retry-period", "must be positive and shorter than the renew deadline");
  if (o.max_retries < 0) return bad("kubernetes.transactional-operation.max-retries", "must not be negative");
  if (o.storage_dir.empty()) return bad("high-availability.storageDir", "required for the kubernetes backend");
  if (o.job_result_store_dir.empty()) return bad("job-result-store.storage-path", "is empty");
  return ok();
}

}  // namespace

result<std::unique_ptr<ha_services>> make_ha_services(const options& opts) {
  if (auto r = check_options(opts); !r) return std::move(r).err();
  auto access =
      opts.config_file.empty() ? load_in_cluster(opts.service_account_dir) : load_kubeconfig(opts.config_file);
  if (!access) return std::move(access).err();
  std::string ns = !opts.namespace_name.empty()      ? opts.namespace_name
                   : !access->namespace_name.empty() ? access->namespace_name
                                                     : "default";
  auto transport = make_beast_transport(access->endpoint);
  if (!transport) return std::move(transport).err();
  return std::unique_ptr<ha_services>(
      std::make_unique<kubernetes_ha_services>(opts, std::move(*transport), std::move(ns)));
}

}  // namespace regent::ha::kubernetes

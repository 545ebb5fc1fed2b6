#include "regent/programs/ha_wiring.hpp"

#include "regent/ha/errc.hpp"
#include "regent/ha/filesystem/filesystem_ha_services.hpp"
#include "regent/ha/kubernetes/kubernetes_ha_services.hpp"
#include "regent/ha/none/none_ha_services.hpp"
#include "regent/ha/zookeeper/zookeeper_ha_services.hpp"

namespace regent::programs {

result<std::unique_ptr<ha::ha_services>> make_ha_services(const config::settings& s) {
  switch (s.ha) {
    case config::ha_type::none: {
      ha::none::options o;
      o.delete_on_commit = s.job_result_store_delete_on_commit;
      o.checkpoints_retained = s.checkpoints_retained;
      return ha::none::make_ha_services(o);
    }
    case config::ha_type::filesystem: {
      ha::filesystem::options o;
      o.storage_dir = s.storage_dir;
      o.cluster_id = s.cluster_id;
      o.job_result_store_dir = s.job_result_store_path;
      o.delete_on_commit = s.job_result_store_delete_on_commit;
      o.checkpoints_retained = s.checkpoints_retained;
      return ha::filesystem::make_ha_services(o);
    }
    case config::ha_type::zookeeper: {
      ha::zookeeper::options o;
      o.quorum = s.zookeeper.quorum;
      o.path_root = s.zookeeper.path_root;
      o.cluster_id = s.cluster_id;
      o.session_timeout = s.zookeeper.session_timeout;
      o.connection_timeout = s.zookeeper.connection_timeout;
      o.retry_wait = s.zookeeper.retry_wait;
      o.max_retry_attempts = s.zookeeper.max_retry_attempts;
      o.tolerate_suspended = s.zookeeper.tolerate_suspended_connections;
      o.creator_acl = s.zookeeper.creator_acl;
      o.digest = s.zookeeper.digest;
      o.storage_dir = s.storage_dir;
      o.job_result_store_dir = s.job_result_store_path;
      o.delete_on_commit = s.job_result_store_delete_on_commit;
      o.retained = s.checkpoints_retained;
      return ha::zookeeper::make_ha_services(o);
    }
    case config::ha_type::kubernetes: {
      const auto& k = s.kubernetes;
      ha::kubernetes::options o;
      o.cluster_id = k.cluster_id;
      o.namespace_name = k.namespace_name;
      o.config_file = k.config_file;
      o.service_account_dir = k.service_account_dir;
      o.lease_duration = k.lease_duration;
      o.renew_deadline = k.renew_deadline;
      o.retry_period = k.retry_period;
      o.max_retries = k.max_retries;
      o.storage_dir = s.storage_dir;
      o.job_result_store_dir = s.job_result_store_path;
      o.delete_on_commit = s.job_result_store_delete_on_commit;
      o.retained = s.checkpoints_retained;
      return ha::kubernetes::make_ha_services(o);
    }
  }
  return error{ha::errc::invalid_argument, std::string("high-availability.type: backend '") + config::to_string(s.ha) +
                                               "' is not available in this build"};
}

}  // namespace regent::programs

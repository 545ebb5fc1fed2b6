#pragma once
/// The REST API of a jobmanager (DESIGN §5): turns each HTTP request into an RPC to the
/// current leader's dispatcher (address and fencing token from leader retrieval), as Flink's
/// handlers forward to the leader over RPC, so a standby answers exactly as the leader does.
/// Answers 503 while no leader is known. Owned by jobmanager's main(); `handle` runs on the
/// REST server's io thread and never blocks (the RPC is asynchronous).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "regent/ha/leader_retrieval.hpp"
#include "regent/tls/tls_context.hpp"
#include "regent/ha/storage/job_archive.hpp"
#include "regent/rpc/client.hpp"
#include "regent/rpc/cluster_protocol.hpp"
#include "regent/programs/prometheus_text.hpp"
#include "regent/rpc/rest_server.hpp"

namespace regent::programs {

struct rest_gateway_config {
  std::string own_rpc_address;                                        ///< host:port of this jobmanager's RPC endpoint
  std::string own_rest_url;                                           ///< http://host:port of this REST server
  std::string uploads_dir;                                            ///< <storageDir>/<cluster-id>/uploads
  std::vector<std::pair<std::string, std::string>> effective_config;  ///< /jobmanager/config
  /// This process's leadership, fencing and HA connection as last reported (for /metrics;
  /// the gateway adds the takeovers of `history`). May be empty.
  std::function<leadership_sample()> status;
  const class leader_history* history = nullptr;                      ///< GET /cluster/leader/history; may be null
  bool web_cancel = true;  ///< web.cancel.enable: false answers PATCH /jobs/:id with 403; in /config
  bool web_submit = true;  ///< web.submit.enable: false answers POST /jobs and /jars/upload with 403; in /config
  /// The REST URLs of conf/masters (`http://host:webui-port`), so the dashboard can find a
  /// standby before it ever led; in /cluster/leader as "jobmanagers".
  std::vector<std::string> masters;
  /// Finished jobs' archived views (jobmanager.archive.fs.dir): answered when the leader does
  /// not know a job any more, and listed in /jobs and /jobs/overview. May be null.
  std::shared_ptr<const ha::job_archive> archive;
  /// security.ssl.internal's client context for the RPCs to the leader (null: plain TCP).
  tls::context_ptr rpc_tls;
};

class rest_gateway {
 public:
  rest_gateway(rest_gateway_config config, const ha::leader_retrieval& retrieval);
  ~rest_gateway();
  void handle(rpc::http_request request, std::function<void(rpc::http_response)> done);

 private:
  using done_fn = std::function<void(rpc::http_response)>;
  /// Sends `method` to the leader; `on_reply` gets the reply payload, errors become HTTP errors.
  void ask_leader(const char* method, std::string payload, done_fn done, std::function<void(std::string)> on_reply);
  void query(rpc::question what, const std::string& job, done_fn done,
             std::function<rpc::http_response(std::string)> shape = nullptr);
  void submit(const rpc::http_request& request, done_fn done);
  rpc::http_response upload(const rpc::http_request& request);
  rpc::http_response leader_json();
  /// A question about one job; a 404 of the leader is answered from the archive when it has the job.
  void query_job(rpc::question what, const std::string& job, const std::string& path, done_fn done);
  /// The jobs of the leader's answer plus the archived ones it does not list, as /jobs/overview.
  std::string with_archived(std::string overview) const;
  /// GET /metrics: this process's leadership and process metrics; on the leader also the
  /// cluster's, with Flink's names (prometheus_text.hpp).
  void metrics(done_fn done);
  /// The embedded dashboard (programs/web/) at `/` and `/web/<file>`; nullopt for other paths.
  std::optional<rpc::http_response> dashboard(const std::vector<std::string>& parts) const;

  rest_gateway_config config_;
  const ha::leader_retrieval& retrieval_;
  std::mutex mu_;
  std::string client_address_;
  std::shared_ptr<rpc::client> client_;
  std::vector<std::shared_ptr<rpc::client>> retired_;  // earlier leaders' clients, closed at the end
};

}  // namespace regent::programs

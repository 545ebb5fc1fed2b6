#pragma once
/// The cluster's RPC methods and their payloads as plain C++ values; the protobuf messages
/// (rpc/proto/regent/rpc/cluster.proto) stay inside rpc/src/cluster_protocol.cpp.
///
/// Every request carries the fencing token of the leadership session it is meant for:
/// taskmanagers and clients use the token they retrieved from the leader info; the leader's
/// job masters use their own. Receivers reject a mismatch (rpc::check_fencing).
///
/// | method                | direction                    | request            | reply            |
/// |-----------------------|------------------------------|--------------------|------------------|
/// | `rm.register`         | taskmanager → leader         | register_taskmanager | register_reply |
/// | `rm.heartbeat`        | taskmanager → leader         | heartbeat          | heartbeat_reply  |
/// | `jm.subtask_event`    | taskmanager → leader         | subtask_event      | (empty)          |
/// | `blob.get`            | taskmanager → leader         | blob_request       | artifact bytes   |
/// | `tm.deploy`           | leader → taskmanager         | deploy             | (empty)          |
/// | `tm.trigger`          | leader → taskmanager         | checkpoint_command | (empty)          |
/// | `tm.notify`           | leader → taskmanager         | checkpoint_command | (empty)          |
/// | `tm.cancel`           | leader → taskmanager         | cancel_job         | (empty)          |
/// | `dispatcher.submit`   | client → leader              | submit_job         | job_ref          |
/// | `dispatcher.status`   | client → leader              | job_ref            | job_status       |
/// | `dispatcher.cancel`   | client → leader              | job_ref            | (empty)          |
/// | `dispatcher.query`    | REST gateway → leader        | query              | JSON text        |
/// | `dispatcher.cleanup`  | REST gateway → leader        | job_ref            | (empty)          |

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent::rpc {

namespace method {
inline constexpr const char* rm_register = "rm.register";
inline constexpr const char* rm_heartbeat = "rm.heartbeat";
inline constexpr const char* jm_subtask_event = "jm.subtask_event";
inline constexpr const char* blob_get = "blob.get";
inline constexpr const char* tm_deploy = "tm.deploy";
inline constexpr const char* tm_trigger = "tm.trigger";
inline constexpr const char* tm_notify = "tm.notify";
inline constexpr const char* tm_cancel = "tm.cancel";
inline constexpr const char* dispatcher_submit = "dispatcher.submit";
inline constexpr const char* dispatcher_status = "dispatcher.status";
inline constexpr const char* dispatcher_cancel = "dispatcher.cancel";
inline constexpr const char* dispatcher_query = "dispatcher.query";
/// Run a dirty (globally terminal, not yet cleaned up) job's HA cleanup again now.
inline constexpr const char* dispatcher_cleanup = "dispatcher.cleanup";
}  // namespace method

struct register_reply {
  std::int64_t heartbeat_interval_ms = 0;
};
struct heartbeat {
  std::string taskmanager_id;
};
struct heartbeat_reply {
  bool known = false;
};
struct subtask_ref {
  std::string job_id;
  std::uint64_t attempt = 0;
  int index = 0;
};
/// A subtask a taskmanager runs, as it reports it to a (new) leader when it registers.
struct running_subtask {
  enum class state { running, ended, finished, failed };
  subtask_ref subtask;
  int parallelism = 1;
  epoch_t deployed_epoch = 0;           ///< of the leader that deployed it
  std::uint64_t last_acknowledged = 0;  ///< newest checkpoint it acknowledged (0: none)
  std::uint64_t last_committed = 0;     ///< newest checkpoint it was told completed (0: none)
  state what = state::running;
  std::string message;  ///< failed: why
};
/// A taskmanager offers its slots to a leader (rm.register).
struct register_taskmanager {
  std::string taskmanager_id;
  std::string address;
  int slots = 0;
  fencing_token accepted;                ///< the newest leadership it has accepted (invalid: none yet)
  std::vector<running_subtask> running;  ///< every subtask it runs
};
struct subtask_event {
  enum class kind { ack, end_of_input, finished, failed, cancelled };
  subtask_ref subtask;
  kind what = kind::ack;
  std::uint64_t checkpoint_id = 0;
  std::string handle;
  std::uint64_t state_size = 0;
  std::uint64_t records = 0;  ///< ack: records the subtask wrote before the checkpoint (all attempts)
  std::string message;
  std::string taskmanager_id;
  bool unrecoverable = false;  ///< failed: a restart cannot help, the job fails
};
struct deploy {
  subtask_ref subtask;
  int parallelism = 1;
  std::string spec_json;
  std::string restore_handle;
  std::string checkpoints_dir;
};
struct checkpoint_command {
  std::string job_id;
  std::uint64_t attempt = 0;
  std::uint64_t checkpoint_id = 0;
};
struct cancel_job {
  std::string job_id;
  std::uint64_t attempt = 0;
};
struct blob_request {
  std::string job_id;
  std::string key;
};
struct submit_job {
  std::string spec_json;
  /// User-code artifacts (key → shared library bytes), stored in the blob store before the job.
  std::vector<std::pair<std::string, std::string>> artifacts;
};
struct job_ref {
  std::string job_id;
};
struct job_status {
  std::string job_id;
  std::string state;
  std::string name;
};

/// The read-only questions the REST gateway asks the leader, with the shape of each answer.
enum class question {
  overview,      ///< ClusterOverviewWithVersion
  jobs,          ///< MultipleJobsDetails
  job,           ///< JobDetailsInfo (per job)
  checkpoints,   ///< CheckpointingStatistics (per job)
  exceptions,    ///< JobExceptionsInfoWithHistory (per job)
  result,        ///< JobExecutionResultResponseBody (per job)
  taskmanagers,  ///< TaskManagersInfo
  metrics,       ///< the leader's Prometheus text
  dirty,         ///< Regent's own: {"dirty":[{"jid","name","application-status","cleanup-attempts","artifacts":{...}}]}
};
/// True for the questions about one job (query::job_id names it).
bool about_one_job(question q);

/// A read-only question for the leader (REST). The reply payload is the answer's text; an
/// unknown job fails with ha::errc::not_found ("no job <id>").
struct query {
  question what = question::overview;
  std::string job_id;
};

/// Serialises a payload; `decode_*` fail with errc::malformed_frame naming the type.
std::string encode(const register_taskmanager& m);
std::string encode(const register_reply& m);
std::string encode(const heartbeat& m);
std::string encode(const heartbeat_reply& m);
std::string encode(const subtask_event& m);
std::string encode(const deploy& m);
std::string encode(const checkpoint_command& m);
std::string encode(const cancel_job& m);
std::string encode(const blob_request& m);
std::string encode(const submit_job& m);
std::string encode(const job_ref& m);
std::string encode(const job_status& m);
std::string encode(const query& m);

result<register_taskmanager> decode_register_taskmanager(const std::string& bytes);
result<register_reply> decode_register_reply(const std::string& bytes);
result<heartbeat> decode_heartbeat(const std::string& bytes);
result<heartbeat_reply> decode_heartbeat_reply(const std::string& bytes);
result<subtask_event> decode_subtask_event(const std::string& bytes);
result<deploy> decode_deploy(const std::string& bytes);
result<checkpoint_command> decode_checkpoint_command(const std::string& bytes);
result<cancel_job> decode_cancel_job(const std::string& bytes);
result<blob_request> decode_blob_request(const std::string& bytes);
result<submit_job> decode_submit_job(const std::string& bytes);
result<job_ref> decode_job_ref(const std::string& bytes);
result<job_status> decode_job_status(const std::string& bytes);
result<query> decode_query(const std::string& bytes);

}  // namespace regent::rpc

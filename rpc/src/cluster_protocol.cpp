#include "regent/rpc/cluster_protocol.hpp"

#include "proto/regent/rpc/cluster.pb.h"
#include "regent/rpc/errc.hpp"

namespace regent::rpc {

namespace {

template <class Proto>
std::string serialize(const Proto& p) {
  std::string out;
  p.SerializeToString(&out);
  return out;
}

template <class Proto>
result<Proto> parse(const std::string& bytes, const char* name) {
  Proto p;
  if (!p.ParseFromString(bytes)) return error{errc::malformed_frame, std::string("malformed ") + name + " payload"};
  return p;
}

void to_proto(const subtask_ref& m, SubtaskRef* p) {
  p->set_job_id(m.job_id);
  p->set_attempt(m.attempt);
  p->set_index(m.index);
}

subtask_ref from_proto(const SubtaskRef& p) { return {p.job_id(), p.attempt(), p.index()}; }

}  // namespace

std::string encode(const register_taskmanager& m) {
  RegisterTaskManager p;
  p.set_taskmanager_id(m.taskmanager_id);
  p.set_address(m.address);
  p.set_slots(m.slots);
  p.set_accepted_epoch(m.accepted.epoch);
  p.set_accepted_session(m.accepted.session_id);
  for (const auto& r : m.running) {
    auto* q = p.add_running();
    to_proto(r.subtask, q->mutable_subtask());
    q->set_parallelism(r.parallelism);
    q->set_deployed_epoch(r.deployed_epoch);
    q->set_last_acknowledged(r.last_acknowledged);
    q->set_last_committed(r.last_committed);
    q->set_state(static_cast<RunningSubtask::State>(r.what));
    q->set_message(r.message);
  }
  return serialize(p);
}

std::string encode(const register_reply& m) {
  RegisterReply p;
  p.set_heartbeat_interval_ms(m.heartbeat_interval_ms);
  return serialize(p);
}

std::string encode(const heartbeat& m) {
  Heartbeat p;
  p.set_taskmanager_id(m.taskmanager_id);
  return serialize(p);
}

std::string encode(const heartbeat_reply& m) {
  HeartbeatReply p;
  p.set_known(m.known);
  return serialize(p);
}

std::string encode(const subtask_event& m) {
  SubtaskEvent p;
  to_proto(m.subtask, p.mutable_subtask());
  p.set_kind(static_cast<SubtaskEvent::Kind>(m.what));
  p.set_checkpoint_id(m.checkpoint_id);
  p.set_handle(m.handle);
  p.set_state_size(m.state_size);
  p.set_records(m.records);
  p.set_message(m.message);
  p.set_taskmanager_id(m.taskmanager_id);
  p.set_unrecoverable(m.unrecoverable);
  return serialize(p);
}

std::string encode(const deploy& m) {
  Deploy p;
  to_proto(m.subtask, p.mutable_subtask());
  p.set_parallelism(m.parallelism);
  p.set_spec_json(m.spec_json);
  p.set_restore_handle(m.restore_handle);
  p.set_checkpoints_dir(m.checkpoints_dir);
  return serialize(p);
}

std::string encode(const checkpoint_command& m) {
  CheckpointCommand p;
  p.set_job_id(m.job_id);
  p.set_attempt(m.attempt);
  p.set_checkpoint_id(m.checkpoint_id);
  return serialize(p);
}

std::string encode(const cancel_job& m) {
  CancelJob p;
  p.set_job_id(m.job_id);
  p.set_attempt(m.attempt);
  return serialize(p);
}

std::string encode(const blob_request& m) {
  BlobRequest p;
  p.set_job_id(m.job_id);
  p.set_key(m.key);
  return serialize(p);
}

std::string encode(const submit_job& m) {
  SubmitJob p;
  p.set_spec_json(m.spec_json);
  for (auto& [key, data] : m.artifacts) {
    auto* a = p.add_artifacts();
    a->set_key(key);
    a->set_data(data);
  }
  return serialize(p);
}

std::string encode(const job_ref& m) {
  JobRef p;
  p.set_job_id(m.job_id);
  return serialize(p);
}

std::string encode(const job_status& m) {
  JobStatusReply p;
  p.set_job_id(m.job_id);
  p.set_state(m.state);
  p.set_name(m.name);
  return serialize(p);
}

result<register_taskmanager> decode_register_taskmanager(const std::string& bytes) {
  auto p = parse<RegisterTaskManager>(bytes, "RegisterTaskManager");
  if (!p) return std::move(p).err();
  register_taskmanager m{
      p->taskmanager_id(), p->address(), p->slots(), fencing_token{p->accepted_epoch(), p->accepted_session()}, {}};
  for (const auto& q : p->running()) {
    if (!RunningSubtask::State_IsValid(q.state()))
      return error{errc::malformed_frame, "malformed RegisterTaskManager payload: running subtask state " +
                                              std::to_string(static_cast<int>(q.state()))};
    m.running.push_back({from_proto(q.subtask()), q.parallelism(), q.deployed_epoch(), q.last_acknowledged(),
                         q.last_committed(), static_cast<running_subtask::state>(q.state()), q.message()});
  }
  return m;
}

result<register_reply> decode_register_reply(const std::string& bytes) {
  auto p = parse<RegisterReply>(bytes, "RegisterReply");
  if (!p) return std::move(p).err();
  return register_reply{p->heartbeat_interval_ms()};
}

result<heartbeat> decode_heartbeat(const std::string& bytes) {
  auto p = parse<Heartbeat>(bytes, "Heartbeat");
  if (!p) return std::move(p).err();
  return heartbeat{p->taskmanager_id()};
}

result<heartbeat_reply> decode_heartbeat_reply(const std::string& bytes) {
  auto p = parse<HeartbeatReply>(bytes, "HeartbeatReply");
  if (!p) return std::move(p).err();
  return heartbeat_reply{p->known()};
}

result<subtask_event> decode_subtask_event(const std::string& bytes) {
  auto p = parse<SubtaskEvent>(bytes, "SubtaskEvent");
  if (!p) return std::move(p).err();
  subtask_event m;
  m.subtask = from_proto(p->subtask());
  if (p->kind() < SubtaskEvent::ACK || p->kind() > SubtaskEvent::CANCELLED)
    return error{errc::malformed_frame, "malformed SubtaskEvent payload: unknown kind"};
  m.what = static_cast<subtask_event::kind>(p->kind());
  m.checkpoint_id = p->checkpoint_id();
  m.handle = p->handle();
  m.state_size = p->state_size();
  m.records = p->records();
  m.message = p->message();
  m.unrecoverable = p->unrecoverable();
  m.taskmanager_id = p->taskmanager_id();
  return m;
}

result<deploy> decode_deploy(const std::string& bytes) {
  auto p = parse<Deploy>(bytes, "Deploy");
  if (!p) return std::move(p).err();
  return deploy{from_proto(p->subtask()), p->parallelism(), p->spec_json(), p->restore_handle(), p->checkpoints_dir()};
}

result<checkpoint_command> decode_checkpoint_command(const std::string& bytes) {
  auto p = parse<CheckpointCommand>(bytes, "CheckpointCommand");
  if (!p) return std::move(p).err();
  return checkpoint_command{p->job_id(), p->attempt(), p->checkpoint_id()};
}

result<cancel_job> decode_cancel_job(const std::string& bytes) {
  auto p = parse<CancelJob>(bytes, "CancelJob");
  if (!p) return std::move(p).err();
  return cancel_job{p->job_id(), p->attempt()};
}

result<blob_request> decode_blob_request(const std::string& bytes) {
  auto p = parse<BlobRequest>(bytes, "BlobRequest");
  if (!p) return std::move(p).err();
  return blob_request{p->job_id(), p->key()};
}

result<submit_job> decode_submit_job(const std::string& bytes) {
  auto p = parse<SubmitJob>(bytes, "SubmitJob");
  if (!p) return std::move(p).err();
  submit_job m{p->spec_json(), {}};
  for (auto& a : p->artifacts()) m.artifacts.emplace_back(a.key(), a.data());
  return m;
}

result<job_ref> decode_job_ref(const std::string& bytes) {
  auto p = parse<JobRef>(bytes, "JobRef");
  if (!p) return std::move(p).err();
  return job_ref{p->job_id()};
}

result<job_status> decode_job_status(const std::string& bytes) {
  auto p = parse<JobStatusReply>(bytes, "JobStatusReply");
  if (!p) return std::move(p).err();
  return job_status{p->job_id(), p->state(), p->name()};
}

// question and Question list the same questions in the same order (Question starts with UNSPECIFIED).
// running_subtask::state and RunningSubtask::State list the same states in the same order.
static_assert(static_cast<int>(running_subtask::state::running) == RunningSubtask::RUNNING &&
              static_cast<int>(running_subtask::state::failed) == RunningSubtask::FAILED);
static_assert(static_cast<int>(question::overview) + 1 == OVERVIEW && static_cast<int>(question::dirty) + 1 == DIRTY);

bool about_one_job(question q) {
  return q == question::job || q == question::checkpoints || q == question::exceptions || q == question::result;
}

std::string encode(const query& m) {
  Query p;
  p.set_what(static_cast<Question>(static_cast<int>(m.what) + 1));
  p.set_job_id(m.job_id);
  return serialize(p);
}

result<query> decode_query(const std::string& bytes) {
  auto p = parse<Query>(bytes, "Query");
  if (!p) return std::move(p).err();
  if (p->what() == QUESTION_UNSPECIFIED || !Question_IsValid(p->what()))
    return error{errc::malformed_frame,
                 "malformed Query payload: no question it knows (" + std::to_string(static_cast<int>(p->what())) + ")"};
  return query{static_cast<question>(static_cast<int>(p->what()) - 1), p->job_id()};
}

}  // namespace regent::rpc

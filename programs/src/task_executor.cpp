#include "regent/programs/task_executor.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <system_error>
#include <utility>

#include "regent/rpc/errc.hpp"
#include "regent/rpc/fencing.hpp"
#include "regent/runtime/errc.hpp"
#include "regent/runtime/host_port.hpp"
#include "regent/runtime/job_spec.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"
#include "regent/task/errc.hpp"

namespace regent::programs {

namespace fs = std::filesystem;
using rpc::subtask_event;

namespace {

const char* kind_name(subtask_event::kind k) {
  switch (k) {
    case subtask_event::kind::ack:
      return "ack";
    case subtask_event::kind::end_of_input:
      return "end_of_input";
    case subtask_event::kind::finished:
      return "finished";
    case subtask_event::kind::failed:
      return "failed";
    case subtask_event::kind::cancelled:
      return "cancelled";
  }
  return "event";
}

std::string describe(const rpc::subtask_ref& r) {
  return "job " + r.job_id + " attempt " + std::to_string(r.attempt) + " subtask " + std::to_string(r.index);
}

/// The response's payload when it succeeded; its error (transport or error reply) otherwise.
result<rpc::envelope> fold(result<rpc::envelope> r) {
  if (!r) return std::move(r).err();
  return rpc::to_result(std::move(*r));
}

bool is_stopped(const error& e) { return e.code == rpc::errc::stopped; }

}  // namespace

task_executor::task_executor(task_executor_options options)
    : options_(std::move(options)), log_(logging::get("taskmanager")) {
  heartbeat_interval_ = options_.heartbeat_interval;
  backoff_ = options_.register_backoff;
}

result<std::unique_ptr<task_executor>> task_executor::start(task_executor_options options) {
  if (options.advertised_host.empty()) options.advertised_host = options.bind_host;
  if (options.slots < 1) return error{runtime_errc::invalid_argument, "taskmanager.numberOfTaskSlots must be >= 1"};
  std::unique_ptr<task_executor> self(new task_executor(std::move(options)));
  task_executor* raw = self.get();
  rpc::server_options so;
  so.host = raw->options_.bind_host;
  so.port = raw->options_.port;
  so.tls = raw->options_.server_tls;
  auto server = rpc::server::start(
      so, [raw](const rpc::envelope& request, rpc::responder reply) { raw->handle(request, reply); });
  if (!server) return std::move(server).err();
  raw->server_ = std::move(*server);
  const std::string& host = raw->options_.advertised_host;
  bool v6 = host.find(':') != std::string::npos;
  raw->address_ = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(raw->server_->port());
  raw->control_ = std::thread([raw] { raw->control_loop(); });
  return self;
}

task_executor::~task_executor() { stop(); }

void task_executor::on_leader_change(const std::optional<ha::leader_info>& leader) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    leader_change_ = leader;
  }
  cv_.notify_all();
}

// ---- io thread: the fenced request handlers ------------------------------------------------

void task_executor::handle(const rpc::envelope& request, const rpc::responder& reply) {
  std::shared_ptr<leader_session> session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return (void)reply.fail(error{rpc::errc::stopped, "taskmanager " + id() + " is stopping"});
    session = session_;
  }
  if (auto fenced = rpc::check_fencing(session ? session->leader.token : fencing_token{}, request); !fenced) {
    log_->warn("rejected {}: {}", request.method, fenced.err().message);
    return (void)reply.fail(fenced.err());
  }
  if (request.method == rpc::method::tm_deploy) return handle_deploy(request, reply, session);
  if (request.method == rpc::method::tm_trigger) return handle_checkpoint(request, reply, true);
  if (request.method == rpc::method::tm_notify) return handle_checkpoint(request, reply, false);
  if (request.method == rpc::method::tm_cancel) return handle_cancel(request, reply);
  reply.fail(error{rpc::errc::unknown_method, "taskmanager has no method '" + request.method + "'"});
}

void task_executor::handle_deploy(const rpc::envelope& request, const rpc::responder& reply,
                                  const std::shared_ptr<leader_session>& session) {
  auto d = rpc::decode_deploy(request.payload);
  if (!d) return (void)reply.fail(d.err());
  const std::string who = describe(d->subtask);
  auto refuse = [&](const error& e) {
    log_->warn("deploy of {} refused: {}", who, e.message);
    reply.fail(e);
  };
  auto spec = parse_job_spec(d->spec_json);
  if (!spec) return refuse(spec.err());
  auto job = job_id::parse(d->subtask.job_id);
  if (!job)
    return refuse({runtime_errc::invalid_argument, "job id '" + d->subtask.job_id + "' is not 32 hex characters"});
  if (d->parallelism < 1 || d->subtask.index < 0 || d->subtask.index >= d->parallelism)
    return refuse({runtime_errc::invalid_argument, "subtask index " + std::to_string(d->subtask.index) +
                                                       " is not in [0, " + std::to_string(d->parallelism) + ")"});
  fs::path checkpoints = d->checkpoints_dir.empty() ? options_.checkpoints_dir : fs::path(d->checkpoints_dir);
  if (checkpoints.empty())
    return refuse(
        {runtime_errc::invalid_argument, "the deploy names no checkpoints dir and state.checkpoints.dir is not set"});

  task::subtask_config config;
  config.job = *job;
  config.index = d->subtask.index;
  config.parallelism = d->parallelism;
  config.source = spec->source;
  config.operators = spec->operators;
  config.sink = spec->sink;
  config.checkpoints_dir = checkpoints;
  std::string job_text = job->str();
  config.resolve_library = [this, session, job_text](const std::string& key) {
    return fetch_library(session, job_text, key);
  };
  std::optional<fs::path> restore;
  if (!d->restore_handle.empty()) restore = fs::path(d->restore_handle);

  subtask_key key{job_text, d->subtask.attempt, d->subtask.index};
  std::size_t in_use = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Never beside a cancelled subtask that is still ending: it may still write the sink folder
    // and state the new one restores and cleans. The control thread ends them — after a leader
    // change, right after it has sent the registration, so this wait overlaps the new leader's
    // recovery instead of delaying the registration.
    cv_.wait(lock, [this] { return stopping_ || (graveyard_.empty() && reaping_ == 0); });
    if (stopping_) return refuse({rpc::errc::stopped, "taskmanager " + id() + " is stopping"});
    // The leader may have changed since the fencing check: never start a subtask for an old one.
    if (session_ != session)
      return refuse({rpc::errc::fencing_mismatch, "the leader changed while the deploy was handled"});
    if (subtasks_.count(key)) return refuse({runtime_errc::already_exists, who + " is already deployed here"});
    if (subtasks_.size() >= static_cast<std::size_t>(options_.slots))
      return refuse({runtime_errc::insufficient_slots,
                     "all " + std::to_string(options_.slots) + " slots of taskmanager " + id() + " are in use"});
    auto link = std::make_shared<subtask_link>();
    link->session = session;
    link->report.subtask = d->subtask;
    link->report.parallelism = d->parallelism;
    link->report.deployed_epoch = session->leader.token.epoch;
    auto engine = std::make_unique<task::subtask>(std::move(config), make_callbacks(link));
    (void)engine->start(restore);  // fails only when started twice
    subtasks_.emplace(key, deployed{std::move(engine), std::move(link)});
    in_use = subtasks_.size();
  }
  log_->info("deployed {} of {} ({}), {} of {} slots in use", who, d->parallelism,
             restore ? "restoring " + restore->string() : std::string("fresh start"), in_use, options_.slots);
  reply.reply({});
}

void task_executor::handle_checkpoint(const rpc::envelope& request, const rpc::responder& reply, bool trigger) {
  auto c = rpc::decode_checkpoint_command(request.payload);
  if (!c) return (void)reply.fail(c.err());
  int n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = subtasks_.lower_bound({c->job_id, c->attempt, INT_MIN});
         it != subtasks_.end() && std::get<0>(it->first) == c->job_id && std::get<1>(it->first) == c->attempt; ++it) {
      if (trigger) {
        it->second.engine->trigger_checkpoint(c->checkpoint_id);
      } else {
        it->second.engine->notify_checkpoint_complete(c->checkpoint_id);
        std::lock_guard<std::mutex> progress(it->second.link->mu);
        auto& committed = it->second.link->report.last_committed;
        committed = std::max(committed, c->checkpoint_id);
      }
      ++n;
    }
  }
  if (n == 0) {
    return (void)reply.fail(error{runtime_errc::not_found, "no subtask of job " + c->job_id + " attempt " +
                                                               std::to_string(c->attempt) + " on taskmanager " + id()});
  }
  log_->debug("{} checkpoint {} for {} subtasks of job {} attempt {}", trigger ? "triggered" : "completed",
              c->checkpoint_id, n, c->job_id, c->attempt);
  reply.reply({});
}

void task_executor::handle_cancel(const rpc::envelope& request, const rpc::responder& reply) {
  auto c = rpc::decode_cancel_job(request.payload);
  if (!c) return (void)reply.fail(c.err());
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto victims = take_attempt_locked(c->job_id, c->attempt);
    n = victims.size();
    // Destroying a subtask waits for its step in hand: the control thread does it, never this io thread.
    for (auto& v : victims) graveyard_.push_back(std::move(v));
  }
  cv_.notify_all();
  if (n > 0)
    log_->info("cancelling {} subtasks of job {} attempt {}", n, c->job_id, c->attempt);
  else
    log_->debug("cancel of job {} attempt {}: nothing deployed here", c->job_id, c->attempt);
  reply.reply({});
}

std::vector<task_executor::deployed> task_executor::take_attempt_locked(const std::string& job, std::uint64_t attempt) {
  std::vector<deployed> out;
  auto it = subtasks_.lower_bound({job, attempt, INT_MIN});
  while (it != subtasks_.end() && std::get<0>(it->first) == job && std::get<1>(it->first) == attempt) {
    it->second.engine->cancel();
    out.push_back(std::move(it->second));
    it = subtasks_.erase(it);
  }
  return out;
}

taskmanager_sample task_executor::metrics() const {
  taskmanager_sample s;
  s.tm_id = id();
  s.slots_total = options_.slots;
  std::lock_guard<std::mutex> lock(mu_);
  s.slots_available = options_.slots - static_cast<int>(subtasks_.size());
  for (const auto& [key, d] : subtasks_) {
    auto counts = d.engine->records();
    // One chained vertex per job: its id reuses the job id, as in the REST views.
    s.subtasks.push_back({std::get<0>(key), std::get<0>(key), std::get<2>(key), std::get<1>(key), counts.in,
                          counts.out});
  }
  return s;
}

// ---- subtask callbacks (executor threads): events and user libraries -----------------------

task::subtask_callbacks task_executor::make_callbacks(const std::shared_ptr<subtask_link>& link) {
  using state = rpc::running_subtask::state;
  // Records the progress a registration reports, then tells the subtask's current leader.
  auto report = [this, link](subtask_event e, std::optional<state> now) {
    std::shared_ptr<leader_session> session;
    {
      std::lock_guard<std::mutex> lock(link->mu);
      e.subtask = link->report.subtask;
      if (e.what == subtask_event::kind::ack)
        link->report.last_acknowledged = std::max(link->report.last_acknowledged, e.checkpoint_id);
      if (now) link->report.what = *now;
      if (now == state::failed) link->report.message = e.message;
      session = link->session;
    }
    e.taskmanager_id = id();
    send_event(session, std::move(e));
  };
  auto event = [](subtask_event::kind k) {
    subtask_event e;
    e.what = k;
    return e;
  };
  task::subtask_callbacks cb;
  cb.on_ack = [report, event](const task::checkpoint_ack& ack) {
    auto e = event(subtask_event::kind::ack);
    e.checkpoint_id = ack.id;
    e.handle = ack.handle.string();
    e.state_size = ack.size;
    e.records = ack.records;
    report(std::move(e), std::nullopt);
  };
  cb.on_end_of_input = [report, event] { report(event(subtask_event::kind::end_of_input), state::ended); };
  cb.on_finished = [report, event] { report(event(subtask_event::kind::finished), state::finished); };
  cb.on_failed = [report, event](const error& err) {
    auto e = event(subtask_event::kind::failed);
    e.message = err.message;
    e.unrecoverable = err.code == task::errc::output_conflict;
    report(std::move(e), state::failed);
  };
  cb.on_cancelled = [report, event] { report(event(subtask_event::kind::cancelled), std::nullopt); };
  return cb;
}

void task_executor::send_event(const std::shared_ptr<leader_session>& session, subtask_event event) {
  if (!session->client) return;
  std::string what = std::string(kind_name(event.what)) + " of " + describe(event.subtask);
  {
    std::lock_guard<std::mutex> lock(events_mu_);
    ++events_in_flight_;
  }
  auto request = rpc::make_request(rpc::method::jm_subtask_event, session->leader.token, rpc::encode(event));
  // Never blocks: the subtask's step goes on at once; the outcome is only logged.
  session->client->async_request(std::move(request), clock_type::now() + options_.request_timeout,
                                 [this, what](result<rpc::envelope> r) {
                                   auto folded = fold(std::move(r));
                                   if (!folded) {
                                     if (is_stopped(folded.err()))
                                       log_->debug("{} not reported: {}", what, folded.err().message);
                                     else
                                       log_->warn("could not report {} to the leader: {}", what, folded.err().message);
                                   }
                                   {
                                     std::lock_guard<std::mutex> lock(events_mu_);
                                     --events_in_flight_;
                                   }
                                   events_cv_.notify_all();
                                 });
}

result<fs::path> task_executor::fetch_library(const std::shared_ptr<leader_session>& session, const std::string& job,
                                              const std::string& key) {
  if (key.empty() || key == "." || key == ".." || key.find('/') != std::string::npos ||
      key.find('\0') != std::string::npos)
    return error{task::errc::invalid_argument, "library '" + key + "' of job " + job + " is not a plain artifact name"};
  fs::path dir = options_.tmp_dir / "blobs" / job;
  fs::path path = dir / key;
  std::error_code ec;
  if (fs::exists(path, ec)) return path;  // written whole by a rename: complete when present
  if (!session->client)
    return error{task::errc::not_found, "cannot fetch library '" + key + "' of job " + job +
                                            ": the leader's address '" + session->leader.rpc_address +
                                            "' is not host:port"};
  auto request =
      rpc::make_request(rpc::method::blob_get, session->leader.token, rpc::encode(rpc::blob_request{job, key}));
  auto got = fold(session->client->request(std::move(request), options_.request_timeout));
  if (!got)
    return error{task::errc::not_found, "cannot fetch library '" + key + "' of job " + job + " from the leader at " +
                                            session->leader.rpc_address + ": " + got.err().message};
  fs::create_directories(dir, ec);
  if (ec) return error{task::errc::io, "cannot create " + dir.string() + ": " + ec.message()};
  fs::path temp = dir / ("." + key + "." + random_source::instance().hex32() + ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(got->payload.data(), static_cast<std::streamsize>(got->payload.size()));
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      return error{task::errc::io, "cannot write " + temp.string()};
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return error{task::errc::io, "cannot rename " + temp.string() + " to " + path.string() + ": " + ec.message()};
  }
  log_->info("fetched library '{}' of job {} ({} bytes) to {}", key, job, got->payload.size(), path.string());
  return path;
}

// ---- control thread: leader, registration, heartbeats, cleanup -----------------------------

void task_executor::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    posted_.push_back(std::move(fn));
  }
  cv_.notify_all();
}

void task_executor::control_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto ready = [this] { return stopping_ || leader_change_ || !graveyard_.empty() || !posted_.empty(); };
    std::optional<clock_type::time_point> due = next_register_;
    if (next_heartbeat_ && (!due || *next_heartbeat_ < *due)) due = next_heartbeat_;
    std::optional<clock_type::time_point> grace_ends;
    if (out_of_contact_since_ && !subtasks_.empty()) grace_ends = *out_of_contact_since_ + options_.grace;
    if (grace_ends && (!due || *grace_ends < *due)) due = grace_ends;
    if (due)
      cv_.wait_until(lock, *due, ready);
    else
      cv_.wait(lock, ready);
    if (stopping_) return;
    auto change = std::move(leader_change_);
    leader_change_.reset();
    auto dead = std::move(graveyard_);
    graveyard_.clear();
    reaping_ = dead.size();
    auto work = std::move(posted_);
    posted_.clear();
    lock.unlock();

    if (!dead.empty()) {
      dead.clear();  // waits for the cancelled subtasks' last steps
      lock.lock();
      reaping_ = 0;
      lock.unlock();
      cv_.notify_all();  // deploys wait for this
    }
    for (auto& fn : work) fn();
    if (change) apply_leader(*change);
    auto now = clock_type::now();
    if (!change && grace_ends && *grace_ends <= now) end_leaderless_subtasks();
    if (next_register_ && *next_register_ <= now) {
      next_register_.reset();
      send_register();
    }
    if (next_heartbeat_ && *next_heartbeat_ <= now) {
      next_heartbeat_.reset();
      send_heartbeat();
    }
    lock.lock();
  }
}

void task_executor::apply_leader(const std::optional<ha::leader_info>& leader) {
  ++generation_;  // replies to earlier requests are ignored from now on
  registered_ = false;
  request_in_flight_ = false;
  next_register_.reset();
  next_heartbeat_.reset();
  backoff_ = options_.register_backoff;
  register_failure_logged_ = false;
  heartbeat_failure_logged_ = false;
  heartbeat_interval_ = options_.heartbeat_interval;

  if (!leader) {
    // Keep the subtasks and the fencing token: the same leader may come back (a suspended
    // ZooKeeper connection), or a new one takes them over (below) — unless none comes within
    // the grace period (control_loop).
    leader_known_ = false;
    lost_contact(clock_type::now());
    if (!logged_no_leader_) {
      log_->info("no leader of resource_manager known; waiting for one");
      logged_no_leader_ = true;
    }
    return;
  }
  logged_no_leader_ = false;
  leader_known_ = true;
  auto now = clock_type::now();
  if (connected_ && connected_->leader.token == leader->token &&
      connected_->leader.rpc_address == leader->rpc_address) {
    log_->info("leader {} {} is known again; registering", leader->rpc_address, leader->token.to_string());
    next_register_ = now;
    return;
  }

  auto fresh = std::make_shared<leader_session>();
  fresh->leader = *leader;
  if (auto hp = parse_host_port(leader->rpc_address)) {
    rpc::client_options co;
    co.host = hp->host;
    co.port = hp->port;
    co.tls = options_.client_tls;
    fresh->client = std::make_shared<rpc::client>(co);
  } else {
    log_->error("leader {} published an rpc address that cannot be used ({}); waiting for a change",
                leader->token.to_string(), hp.err().message);
  }
  // An epoch is accepted once and never goes back: a leader whose epoch is not above the one
  // accepted (the same epoch from another session means the HA backend granted it twice) gets
  // no command through. It still gets our registration, which names the accepted token, so
  // that it steps down and comes back with a higher epoch.
  if (accepted_.valid() && leader->token != accepted_ && leader->token.epoch <= accepted_.epoch) {
    log_->warn(
        "refusing leader {} {}: {} was accepted before, and a taskmanager accepts each epoch once and "
        "never an older one; telling that leader",
        leader->rpc_address, leader->token.to_string(), accepted_.to_string());
    fresh->refused = true;
    connected_ = fresh;
    if (fresh->client) next_register_ = now;
    return;
  }
  accepted_ = leader->token;
  log_->info("new leader of resource_manager at {} {}", leader->rpc_address, leader->token.to_string());

  auto old = std::move(connected_);
  connected_ = fresh;
  // Close the old connection first: a subtask blocked fetching a library from the old leader
  // returns at once, and the old leader's subtasks, cancelled next, report nothing to a leader
  // that is gone (each report would otherwise try to connect to it again, dozens of refused
  // connections while the new leader takes over).
  if (old && old->client) old->client->close();
  take_over_subtasks(fresh);
  if (fresh->client) next_register_ = now;
}

void task_executor::take_over_subtasks(const std::shared_ptr<leader_session>& fresh) {
  const auto& token = fresh->leader.token;
  // (job, attempt) → how many subtasks, and the leadership that deployed them.
  std::map<std::pair<std::string, std::uint64_t>, std::pair<int, std::string>> per_job;
  {
    std::lock_guard<std::mutex> lock(mu_);
    session_ = fresh;
    for (auto it = subtasks_.begin(); it != subtasks_.end();) {
      std::lock_guard<std::mutex> link_lock(it->second.link->mu);
      auto& from = it->second.link->session;
      if (from->leader.token == token) {
        ++it;
        continue;
      }
      auto& entry = per_job[{std::get<0>(it->first), std::get<1>(it->first)}];
      ++entry.first;
      entry.second = from->leader.token.to_string();
      if (options_.task_preserving) {
        from = fresh;  // its events go to the new leader, which adopts or cancels it
        ++it;
      } else {
        it->second.engine->cancel();
        graveyard_.push_back(std::move(it->second));  // ended by this thread after the registration
        it = subtasks_.erase(it);
      }
    }
  }
  for (const auto& [job, entry] : per_job)
    log_->info("leader changed: {} {} subtasks of job {} attempt {} deployed by {}",
               options_.task_preserving ? "offering the new leader" : "cancelled", entry.first, job.first, job.second,
               entry.second);
}

void task_executor::end_leaderless_subtasks() {
  std::size_t n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, d] : subtasks_) {
      d.engine->cancel();
      graveyard_.push_back(std::move(d));
      ++n;
    }
    subtasks_.clear();
  }
  out_of_contact_since_.reset();
  if (n > 0)
    log_->warn(
        "no contact with a leader for {} ms (jobmanager.failover.task-preserving.grace): cancelled {} subtasks; the "
        "next leader restarts their jobs from their latest checkpoints",
        options_.grace.count(), n);
  cv_.notify_all();
}

void task_executor::send_register() {
  auto s = connected_;
  if (!s || !s->client || !leader_known_) return;
  request_in_flight_ = true;
  auto generation = generation_;
  rpc::register_taskmanager m{id(), address_, options_.slots, accepted_, {}};
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, d] : subtasks_) {
      std::lock_guard<std::mutex> progress(d.link->mu);
      m.running.push_back(d.link->report);
    }
  }
  s->client->async_request(rpc::make_request(rpc::method::rm_register, s->leader.token, rpc::encode(m)),
                           clock_type::now() + options_.request_timeout, [this, generation](result<rpc::envelope> r) {
                             post([this, generation, r] { on_register_reply(generation, r); });
                           });
}

void task_executor::on_register_reply(std::uint64_t generation, result<rpc::envelope> reply) {
  if (generation != generation_) return;
  request_in_flight_ = false;
  auto now = clock_type::now();
  const auto& leader = connected_->leader;
  auto folded = fold(std::move(reply));
  result<rpc::register_reply> r =
      folded ? rpc::decode_register_reply(folded->payload) : result<rpc::register_reply>(folded.err());
  if (!r) {
    lost_contact(now);
    if (!register_failure_logged_) {
      log_->warn("registration at leader {} {} failed: {}; retrying", leader.rpc_address, leader.token.to_string(),
                 r.err().message);
      register_failure_logged_ = true;
    } else {
      log_->debug("registration at leader {} failed again: {}", leader.rpc_address, r.err().message);
    }
    next_register_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, options_.register_backoff_max);
    return;
  }
  registered_ = true;
  out_of_contact_since_.reset();
  backoff_ = options_.register_backoff;
  if (r->heartbeat_interval_ms > 0) heartbeat_interval_ = std::chrono::milliseconds(r->heartbeat_interval_ms);
  log_->info("registered at leader {} {} as {} with {} slots (heartbeat every {} ms)", leader.rpc_address,
             leader.token.to_string(), id(), options_.slots, heartbeat_interval_.count());
  next_heartbeat_ = now + heartbeat_interval_;
}

void task_executor::send_heartbeat() {
  auto s = connected_;
  if (!s || !s->client || !leader_known_ || !registered_) return;
  request_in_flight_ = true;
  auto generation = generation_;
  auto deadline =
      clock_type::now() + std::min<std::chrono::milliseconds>(heartbeat_interval_, options_.request_timeout);
  s->client->async_request(
      rpc::make_request(rpc::method::rm_heartbeat, s->leader.token, rpc::encode(rpc::heartbeat{id()})), deadline,
      [this, generation](result<rpc::envelope> r) {
        post([this, generation, r] { on_heartbeat_reply(generation, r); });
      });
}

void task_executor::on_heartbeat_reply(std::uint64_t generation, result<rpc::envelope> reply) {
  if (generation != generation_) return;
  request_in_flight_ = false;
  auto now = clock_type::now();
  const auto& leader = connected_->leader;
  auto folded = fold(std::move(reply));
  result<rpc::heartbeat_reply> r =
      folded ? rpc::decode_heartbeat_reply(folded->payload) : result<rpc::heartbeat_reply>(folded.err());
  if (!r) {
    lost_contact(now);
    if (!heartbeat_failure_logged_) {
      log_->warn("heartbeat to leader {} {} failed: {}; retrying every {} ms", leader.rpc_address,
                 leader.token.to_string(), r.err().message, heartbeat_interval_.count());
      heartbeat_failure_logged_ = true;
    }
    next_heartbeat_ = now + heartbeat_interval_;
    return;
  }
  if (!r->known) {
    log_->info("leader {} {} does not know taskmanager {}; registering again", leader.rpc_address,
               leader.token.to_string(), id());
    registered_ = false;
    next_register_ = now;
    return;
  }
  out_of_contact_since_.reset();
  next_heartbeat_ = now + heartbeat_interval_;
}

void task_executor::lost_contact(clock_type::time_point now) {
  if (!out_of_contact_since_) out_of_contact_since_ = now;
}

// ---- shutdown ------------------------------------------------------------------------------

void task_executor::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (control_.joinable()) control_.join();
  if (server_) server_->stop();  // no handler runs after this

  std::vector<deployed> victims;
  std::shared_ptr<leader_session> current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, d] : subtasks_) {
      d.engine->cancel();
      victims.push_back(std::move(d));
    }
    subtasks_.clear();
    for (auto& d : graveyard_) victims.push_back(std::move(d));
    graveyard_.clear();
    posted_.clear();
    current = session_;
  }
  if (!victims.empty()) log_->info("stopping: cancelling {} subtasks", victims.size());
  victims.clear();  // joins; their `cancelled` events are on their way
  {
    // Give those events a moment to reach the leader, so it can restart the jobs at once
    // rather than after a heartbeat timeout.
    std::unique_lock<std::mutex> lock(events_mu_);
    events_cv_.wait_for(lock, std::min<std::chrono::milliseconds>(options_.request_timeout, std::chrono::seconds(2)),
                        [this] { return events_in_flight_ == 0; });
  }
  if (connected_ && connected_->client) connected_->client->close();
  if (current && current->client) current->client->close();
  connected_.reset();
  std::lock_guard<std::mutex> lock(mu_);
  session_.reset();
}

}  // namespace regent::programs

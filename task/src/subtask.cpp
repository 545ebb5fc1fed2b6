#include "regent/task/subtask.hpp"

#include <exception>
#include <thread>

#include "regent/runtime/logging.hpp"
#include "regent/task/errc.hpp"
#include "regent/task/sequence_source.hpp"
#include "regent/task/snapshot.hpp"

namespace regent::task {

namespace fs = std::filesystem;

namespace {

/// At most this many records per call of emit(); the command flag is checked after every
/// record regardless, so a checkpoint or cancel never waits for a whole batch.
constexpr std::uint64_t batch_size = 4096;

}  // namespace

/// The state of a running subtask that only its steps touch (one step at a time): the chain,
/// the source position, the sink, the rate limiter. Created by start(); the executor may hold
/// it a little longer than the subtask lives, but once it has ended it touches nothing of the
/// subtask.
class subtask::runner final : public subtask_executor::runnable {
 public:
  using step = subtask_executor::step;

  runner(subtask& owner, std::optional<fs::path> restore_from)
      : s_(owner),
        log_(logging::get("task")),
        who_("job=" + owner.config_.job.str() + " subtask=" + std::to_string(owner.config_.index) + "/" +
             std::to_string(owner.config_.parallelism)),
        restore_from_(std::move(restore_from)) {}

  step run_step() override {
    stepping_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    struct unmark {
      std::atomic<std::thread::id>& id;
      ~unmark() { id.store(std::thread::id(), std::memory_order_relaxed); }
    } unmark_on_return{stepping_};
    try {
      if (!initialized_) {
        initialized_ = true;
        if (auto r = initialize(restore_from_); !r) return fail(r.err());
        return step::again();
      }
      return next_slice();
    } catch (const std::exception& e) {
      return fail(error{errc::user_code, "exception in the subtask: " + std::string(e.what())});
    } catch (...) {
      return fail(error{errc::user_code, "unknown exception in the subtask"});
    }
  }

  /// Whether the calling thread is running one of this subtask's steps (a callback).
  bool in_step() const { return stepping_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }

 private:
  const subtask_config& config() const { return s_.config_; }

  result<void> initialize(const std::optional<fs::path>& restore_from) {
    const auto& c = config();
    if (c.job.empty()) return error{errc::invalid_argument, who_ + ": no job id"};
    if (c.checkpoints_dir.empty()) {
      return error{errc::invalid_argument, who_ + ": state.checkpoints.dir is not set"};
    }
    if (c.source.type != "sequence") {
      return error{errc::invalid_argument,
                   "source.type: unknown source type '" + c.source.type + "' (known: sequence)"};
    }
    auto partition = sequence_partition::make(c.source.from, c.source.to, c.index, c.parallelism);
    if (!partition) return std::move(partition).err();
    partition_.emplace(*partition);
    auto chain = c.make_chain ? c.make_chain() : build_operator_chain(c.operators, c.resolve_library);
    if (!chain) return std::move(chain).err();
    chain_ = std::move(chain).value();
    auto sink = make_sink(c.sink, c.index, c.job.str());
    if (!sink) return std::move(sink).err();
    sink_ = std::move(sink).value();

    std::optional<sink_state> state;
    if (restore_from) {
      auto snap = read_snapshot(*restore_from);
      if (!snap) return std::move(snap).err();
      if (auto r = check_snapshot(*snap, restore_from->string()); !r) return r;
      position_ = snap->source_position;
      last_checkpoint_ = snap->checkpoint;
      state = std::move(snap->sink);
    }
    if (auto r = sink_->restore(state); !r) return r;
    if (const double rate = subtask_rate(c.source, c.parallelism); rate > 0) {
      limiter_.emplace(c.time->now(), rate);
    }
    if (restore_from) {
      log_->info("{} restored from checkpoint {} at position {}/{}", who_, last_checkpoint_, position_,
                 partition_->size());
    } else {
      log_->info("{} started fresh, {} records", who_, partition_->size());
    }
    return ok();
  }

  result<void> check_snapshot(const subtask_snapshot& snap, const std::string& file) const {
    const auto& c = config();
    auto corrupt = [&](const std::string& why) -> result<void> {
      return error{errc::corrupt, "subtask snapshot " + file + " " + why};
    };
    if (snap.job != c.job) return corrupt("belongs to job " + snap.job.str());
    if (snap.subtask_index != c.index || snap.parallelism != c.parallelism) {
      return corrupt("belongs to subtask " + std::to_string(snap.subtask_index) + "/" +
                     std::to_string(snap.parallelism));
    }
    if (snap.sink_type != sink_->type()) return corrupt("is of a '" + snap.sink_type + "' sink");
    if (snap.source_position > partition_->size()) {
      return corrupt("has source position " + std::to_string(snap.source_position) + " beyond the share's " +
                     std::to_string(partition_->size()) + " records");
    }
    return ok();
  }

  /// One slice of the subtask's work: the commands that arrived (first, so a checkpoint or a
  /// cancel never waits for the records), else a batch of records, else the end of input; then
  /// it waits for the rate limit or for a command.
  step next_slice() {
    if (s_.has_work_.load(std::memory_order_acquire)) {
      std::deque<command> todo;
      bool cancel = false;
      {
        std::lock_guard<std::mutex> lock(s_.mu_);
        cancel = s_.cancel_requested_;
        todo.swap(s_.commands_);
        s_.has_work_.store(false, std::memory_order_release);
      }
      if (cancel) return cancelled();
      for (const auto& cmd : todo) {
        auto r = cmd.what == command::kind::trigger ? checkpoint(cmd.id) : commit(cmd.id);
        if (!r) return fail(r.err());
      }
      return step::again();
    }
    if (position_ < partition_->size()) return emit();
    if (!end_of_input_reported_) {
      end_of_input_reported_ = true;
      log_->info("{} end of input after {} records", who_, position_);
      if (s_.callbacks_.on_end_of_input) s_.callbacks_.on_end_of_input();
      check_finished();
      return step::again();
    }
    return step::park();  // until a command arrives
  }

  /// Emits a batch of records (fewer when a command arrives or the rate limit says wait).
  step emit() {
    const std::uint64_t size = partition_->size();
    if (!limiter_) {
      for (std::uint64_t n = 0; n < batch_size && position_ < size; ++n) {
        if (auto r = emit_one(); !r) return fail(r.err());
        if (s_.has_work_.load(std::memory_order_relaxed)) break;
      }
      return step::again();
    }
    const auto now = config().time->now();
    if (!limiter_->is_due(emitted_since_start_, now)) return wait_until(limiter_->wake(emitted_since_start_), now);
    for (std::uint64_t n = 0; n < batch_size && position_ < size && limiter_->is_due(emitted_since_start_, now); ++n) {
      if (auto r = emit_one(); !r) return fail(r.err());
      if (s_.has_work_.load(std::memory_order_relaxed)) break;
    }
    return step::again();
  }

  /// Runs again at `until` on the subtask's clock (or when a command arrives first).
  static step wait_until(clock::time_point until, clock::time_point now) {
    const auto delay = until - now;
    if (delay <= clock::duration::zero()) return step::again();
    return step::at(std::chrono::steady_clock::now() + delay);
  }

  result<void> emit_one() {
    const std::int64_t input = partition_->at(position_);
    s_.records_in_.store(emitted_since_start_ + 1, std::memory_order_relaxed);
    const std::int64_t record = chain_.apply(input);
    if (auto r = sink_->write(record); !r) return r;
    ++position_;
    ++emitted_since_start_;
    s_.records_out_.store(emitted_since_start_, std::memory_order_relaxed);
    return ok();
  }

  result<void> checkpoint(checkpoint_id id) {
    if (id <= last_checkpoint_) {
      log_->warn("{} ignores checkpoint {}: not above the last one, {}", who_, id, last_checkpoint_);
      return ok();
    }
    auto state = sink_->snapshot(id);
    if (!state) return std::move(state).err();
    const auto& c = config();
    subtask_snapshot snap;
    snap.job = c.job;
    snap.checkpoint = id;
    snap.subtask_index = c.index;
    snap.parallelism = c.parallelism;
    snap.sink_type = sink_->type();
    snap.source_position = position_;
    snap.sink = std::move(state).value();
    checkpoint_ack ack;
    ack.id = id;
    ack.handle = snapshot_path(c.checkpoints_dir, c.job, id, c.index);
    auto size = write_snapshot(ack.handle, snap);
    if (!size) return std::move(size).err();
    ack.size = *size;
    ack.records = position_;
    last_checkpoint_ = id;
    log_->debug("{} checkpoint {} at position {}", who_, id, position_);
    if (s_.callbacks_.on_ack) s_.callbacks_.on_ack(ack);
    return ok();
  }

  result<void> commit(checkpoint_id id) {
    if (auto r = sink_->commit(id); !r) return r;
    check_finished();
    return ok();
  }

  void check_finished() {
    if (finished_reported_ || position_ < partition_->size() || !sink_->all_committed()) return;
    finished_reported_ = true;
    log_->info("{} finished: all {} records committed", who_, position_);
    if (s_.callbacks_.on_finished) s_.callbacks_.on_finished();
  }

  step fail(const error& e) {
    log_->error("{} failed: {}", who_, e.message);
    if (s_.callbacks_.on_failed) s_.callbacks_.on_failed(e);
    return end();
  }

  step cancelled() {
    log_->info("{} cancelled at position {}", who_, position_);
    if (s_.callbacks_.on_cancelled) s_.callbacks_.on_cancelled();
    return end();
  }

  /// The last step: lets go of the chain (user code) and the sink, then tells join(); after
  /// that the subtask may be gone, so nothing of it is touched again.
  step end() {
    sink_.reset();
    chain_ = operator_chain();
    std::lock_guard<std::mutex> lock(s_.mu_);
    s_.ended_ = true;
    s_.cv_.notify_all();
    return step::done();
  }

  subtask& s_;
  std::shared_ptr<spdlog::logger> log_;
  std::string who_;
  operator_chain chain_;
  std::optional<sequence_partition> partition_;
  std::unique_ptr<sink> sink_;
  std::optional<rate_limiter> limiter_;
  std::uint64_t position_ = 0;
  std::uint64_t emitted_since_start_ = 0;
  checkpoint_id last_checkpoint_ = 0;
  bool end_of_input_reported_ = false;
  bool finished_reported_ = false;
  std::optional<fs::path> restore_from_;
  bool initialized_ = false;
  std::atomic<std::thread::id> stepping_{};
};

subtask::subtask(subtask_config config, subtask_callbacks callbacks)
    : config_(std::move(config)), callbacks_(std::move(callbacks)) {}

subtask::~subtask() {
  cancel();
  join();
}

result<void> subtask::start(std::optional<fs::path> restore_from) {
  std::shared_ptr<runner> r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (runner_) {
      return error{errc::invalid_argument,
                   "subtask " + std::to_string(config_.index) + " of job " + config_.job.str() + " started twice"};
    }
    runner_ = r = std::make_shared<runner>(*this, std::move(restore_from));
  }
  executor().wake(r);
  return ok();
}

subtask_executor& subtask::executor() const {
  return config_.executor ? *config_.executor : subtask_executor::shared();
}

void subtask::post(command c) {
  std::shared_ptr<runner> r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    commands_.push_back(c);
    has_work_.store(true, std::memory_order_release);
    r = runner_;
  }
  if (r) executor().wake(r);
}

void subtask::trigger_checkpoint(checkpoint_id id) { post({command::kind::trigger, id}); }

void subtask::notify_checkpoint_complete(checkpoint_id id) { post({command::kind::notify, id}); }

void subtask::cancel() {
  std::shared_ptr<runner> r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_requested_ = true;
    has_work_.store(true, std::memory_order_release);
    r = runner_;
  }
  if (r) executor().wake(r);
}

void subtask::join() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!runner_ || runner_->in_step()) return;  // never started, or called from its own step
  cv_.wait(lock, [this] { return ended_; });
}

}  // namespace regent::task

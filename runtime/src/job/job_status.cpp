#include "regent/runtime/job/job_status.hpp"

#include <string>

#include "regent/runtime/errc.hpp"

namespace regent::job {

namespace {

constexpr std::array<const char*, job_status_count> status_names = {
    "INITIALIZING", "CREATED",  "RUNNING",    "FAILING",   "FAILED",     "CANCELLING",
    "CANCELED",     "FINISHED", "RESTARTING", "SUSPENDED", "RECONCILING"};

using S = job_status;

/// The allowed successors of each status. Modelled on where Flink's schedulers move a job:
/// cancel goes through CANCELLING (except before any task runs), failures through FAILING or
/// RESTARTING, and any live status can be SUSPENDED when leadership is lost.
bool allowed(S from, S to) {
  switch (from) {
    case S::initializing:
      return to == S::created || to == S::cancelling || to == S::canceled || to == S::failed || to == S::suspended;
    case S::created:
      return to == S::running || to == S::cancelling || to == S::canceled || to == S::failing || to == S::failed ||
             to == S::suspended || to == S::reconciling;
    case S::running:
      return to == S::finished || to == S::failing || to == S::failed || to == S::cancelling || to == S::restarting ||
             to == S::suspended;
    case S::failing:
      return to == S::failed || to == S::restarting || to == S::cancelling || to == S::suspended;
    case S::cancelling:
      return to == S::canceled || to == S::failing || to == S::failed || to == S::suspended;
    case S::restarting:
      return to == S::running || to == S::created || to == S::cancelling || to == S::canceled || to == S::failing ||
             to == S::failed || to == S::suspended;
    case S::reconciling:
      return to == S::running || to == S::finished || to == S::failing || to == S::failed || to == S::cancelling ||
             to == S::canceled || to == S::suspended;
    case S::failed:
    case S::canceled:
    case S::finished:
    case S::suspended:
      return false;
  }
  return false;
}

}  // namespace

const char* to_string(job_status s) { return status_names[static_cast<std::size_t>(s)]; }

std::optional<job_status> parse_job_status(std::string_view text) {
  for (job_status s : all_job_statuses())
    if (text == to_string(s)) return s;
  return std::nullopt;
}

const std::array<job_status, job_status_count>& all_job_statuses() {
  static const std::array<job_status, job_status_count> all = {
      S::initializing, S::created,  S::running,    S::failing,   S::failed,     S::cancelling,
      S::canceled,     S::finished, S::restarting, S::suspended, S::reconciling};
  return all;
}

bool globally_terminal(job_status s) { return s == S::finished || s == S::canceled || s == S::failed; }

bool locally_terminal(job_status s) { return globally_terminal(s) || s == S::suspended; }

const char* to_string(application_status s) {
  switch (s) {
    case application_status::succeeded:
      return "SUCCEEDED";
    case application_status::failed:
      return "FAILED";
    case application_status::canceled:
      return "CANCELED";
    case application_status::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<application_status> parse_application_status(std::string_view text) {
  for (auto s : {application_status::succeeded, application_status::failed, application_status::canceled,
                 application_status::unknown})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

application_status application_status_of(job_status s) {
  switch (s) {
    case S::finished:
      return application_status::succeeded;
    case S::canceled:
      return application_status::canceled;
    case S::failed:
      return application_status::failed;
    default:
      return application_status::unknown;
  }
}

bool transition_allowed(job_status from, job_status to) { return allowed(from, to); }

job_status_machine::job_status_machine(job_status initial, std::int64_t now_ms)
    : current_(initial), start_ms_(now_ms), last_ms_(now_ms) {
  timestamps_[static_cast<std::size_t>(initial)] = now_ms;
}

result<void> job_status_machine::transition(job_status to, std::int64_t now_ms) {
  if (!allowed(current_, to)) {
    std::string why = locally_terminal(current_) ? " (" + std::string(to_string(current_)) + " is final)" : "";
    return error(runtime_errc::invalid_transition,
                 std::string("job status cannot go from ") + to_string(current_) + " to " + to_string(to) + why);
  }
  current_ = to;
  if (to == job_status::restarting) ++restarts_;
  last_ms_ = now_ms;
  timestamps_[static_cast<std::size_t>(to)] = now_ms;
  return ok();
}

std::optional<std::int64_t> job_status_machine::end_time() const {
  if (!globally_terminal(current_)) return std::nullopt;
  return timestamp(current_);
}

std::int64_t job_status_machine::duration(std::int64_t now_ms) const {
  auto end = end_time();
  return (end ? *end : now_ms) - start_ms_;
}

}  // namespace regent::job

// The JobResultStore of the `zookeeper` backend. It stays on the file system (DESIGN §3: the
// same `<jobId>_DIRTY.json` / `<jobId>.json` files as the `filesystem` backend, outside the
// cluster folder so that cleaning a cluster never removes it), but its commits are fenced:
//
//  1. the entry is written completely to a temp file first (fsynced; invisible to readers);
//  2. a fenced multi of the fence checks alone confirms the leadership and yields a lease —
//     half the negotiated session timeout after the check was sent (the server cannot expire
//     the session, and so remove the latch node and let another contender lead, sooner than
//     one session timeout after it last heard from it);
//  3. the visible step (rename of the temp to `_DIRTY.json`, or delete / rename to `.json`)
//     runs only while that lease holds; a lease that ran out before is confirmed afresh.
//
// The window that remains: the thread is paused between the lease test and the rename system
// call for longer than the rest of the lease (half a session timeout), and a new leader acts
// on this entry within that time. A commit that finishes after its lease is logged.

#include <mutex>

#include "regent/ha/errc.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"
#include "regent/ha/storage/job_result_files.hpp"
#include "zk_stores.hpp"

namespace regent::ha::zookeeper {

namespace fs = std::filesystem;

namespace {

class zk_job_result_store final : public storage::leased_job_result_files {
 public:
  zk_job_result_store(fs::path dir, bool delete_on_commit, fenced_writer& writer, storage::file_io& io, clock& clk)
      : leased_job_result_files(std::move(dir), delete_on_commit, io), writer_(writer), clock_(clk) {}

 private:
  result<void> holds(const fencing_token& token) override { return writer_.holds(token); }

  /// Runs the visible step of a commit inside a confirmed leadership lease (see the top).
  result<void> commit(const fencing_token& token, const job_id& job,
                      const std::function<result<void>()>& step) override {
    const int attempts = 1 + std::max(writer_.connection().settings().max_retry_attempts, 0);
    for (int attempt = 0; attempt < attempts; ++attempt) {
      auto lease = writer_.lease(token);
      if (!lease) return std::move(lease).err();
      if (clock_.now() >= *lease) continue;  // the check took too long: confirm again
      auto r = step();
      if (clock_.now() > *lease)
        logging::get("ha")->warn("job {}: JobResultStore commit finished after its leadership lease of {} ran out",
                                 job.str(), token.to_string());
      return r;
    }
    return error{errc::unavailable, "job " + job.str() + ": could not confirm leadership " + token.to_string() +
                                        " within a lease for the JobResultStore commit"};
  }

  fenced_writer& writer_;
  clock& clock_;
};

}  // namespace

std::unique_ptr<job_result_store> make_job_result_store(fs::path dir, bool delete_on_commit, fenced_writer& writer,
                                                        storage::file_io& io, clock& clk) {
  return std::make_unique<zk_job_result_store>(std::move(dir), delete_on_commit, writer, io, clk);
}

}  // namespace regent::ha::zookeeper

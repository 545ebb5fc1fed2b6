#pragma once
/// Leader election of the `filesystem` backend, among jobmanager processes on one host.
///
/// The leader holds an exclusive open-file-description lock (fcntl F_OFD_SETLK) on
/// `<cluster_dir>/leader/lock`; the kernel frees it when the holder dies, so a standby takes
/// over within one poll interval of the leader's death. On every grant the leader bumps the
/// persistent epoch in `leader/epoch` (written atomically while holding the lock). Leader info
/// is published to `leader/<component>/connection_info`.
///
/// It is also the write fence of the backend's stores: a store's commit step runs only while
/// this driver holds the lock for the writer's token, and leadership cannot be released while
/// a commit runs. A paused leader keeps its lock: no takeover, and no split brain either.
///
/// Owned by the process's ha_services; contends on its own thread; thread-safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <thread>

#include "regent/ha/epoch_watermark.hpp"
#include "regent/ha/leader_election.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/write_fence.hpp"
#include "regent/runtime/clock.hpp"

namespace regent::ha::filesystem {

/// Paths of the election inside a cluster folder.
struct election_paths {
  std::filesystem::path leader_dir;  ///< <cluster_dir>/leader
  std::filesystem::path lock;        ///< leader/lock
  std::filesystem::path epoch;       ///< leader/epoch
  explicit election_paths(const std::filesystem::path& cluster_dir);
  std::filesystem::path connection_info(const std::string& component) const;
};

class filesystem_election final : public leader_election_driver, public write_fence {
 public:
  filesystem_election(std::filesystem::path cluster_dir, clock& clk, storage::file_io& io,
                      std::chrono::milliseconds poll_interval = std::chrono::milliseconds(5));
  ~filesystem_election() override;

  result<void> start(leader_election_listener& listener) override;
  void stop() override;
  bool has_leadership(const fencing_token& token) const override;
  result<void> publish(const std::string& component, const leader_info& info) override;
  result<void> unpublish(const std::string& component, const fencing_token& token) override;
  void observe_epoch(epoch_t epoch) override;
  void refuse(const fencing_token& token, epoch_t seen, const std::string& why) override;

  result<void> fenced(const fencing_token& token, const std::function<result<void>()>& commit) override;

 private:
  void run(leader_election_listener* listener);
  /// Tries once to take the lock; returns true when this driver now holds it.
  result<bool> try_lock();
  /// True while the lock file on disk is the inode this driver holds locked.
  bool lock_file_is_ours() const;
  result<epoch_t> bump_epoch();
  void release_locked();  // requires exclusive state_mu_

  election_paths paths_;
  clock& clock_;
  storage::file_io& io_;
  std::chrono::milliseconds poll_;

  // Leadership state; fenced writes hold it shared, grant/release exclusive.
  mutable std::shared_mutex state_mu_;
  int lock_fd_ = -1;
  fencing_token token_;
  std::set<std::string> published_;

  // Contending thread.
  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::optional<std::pair<fencing_token, std::string>> refusal_;  // see refuse()
  std::thread thread_;

  epoch_watermark seen_;  // every epoch granted or observed; a grant goes above it
};

/// What a retriever sees in `cluster_dir` right now: the published leader of `component` if
/// the lock is held and the info belongs to the current epoch, else nullopt; an error naming
/// the file when what is there cannot be read.
result<std::optional<leader_info>> observe_leader(const std::filesystem::path& cluster_dir,
                                                  const std::string& component, storage::file_io& io);

}  // namespace regent::ha::filesystem

#pragma once
/// A standby's copy of every job graph, kept current while it waits, so that a grant's
/// recovery reads one znode instead of every graph's pointer and payload file (DESIGN §7:
/// takeover work). Graphs are written once per job; nothing changes while no job is submitted
/// or cleaned up.
///
/// How the copy is known to be current: every write of the job graph store also sets the
/// `jobgraphs` folder node in its fenced multi, so the folder's mzxid is the zxid of the
/// store's last write (a multi has one zxid). The copy is labelled with the mzxid the folder
/// had when its refresh began, and the refresh reads the pointers after that; a grant's
/// recovery reads the folder and uses the copy only when the mzxid is still the label and no
/// child was added or removed since that write (pzxid <= mzxid — a node added or a pointer
/// removed by another client moves pzxid alone). Otherwise, and for a job the copy lacks, the
/// graphs are read as without it. A pointer's data set by hand is not noticed, as in
/// `latest` of the checkpoint store.
///
/// The refresh runs on its own thread, started by `start` (a jobmanager calls it when it
/// starts contending; taskmanagers and tools never do): it arms a data watch on the folder and
/// refreshes when it fires, on session events, and every idle period.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "watching_thread.hpp"
#include "layout.hpp"
#include "pointer_files.hpp"

namespace regent::ha::zookeeper {

class graph_cache {
 public:
  graph_cache(pointer_files& files, znode_layout z, file_layout f);
  ~graph_cache();
  graph_cache(const graph_cache&) = delete;
  graph_cache& operator=(const graph_cache&) = delete;

  /// Starts keeping the copy current (idempotent).
  void start();
  /// Stops the refresh thread (idempotent); the copy is not used afterwards.
  void stop();
  /// True between start and stop.
  bool running() const;

  /// The cached graph of each job (nullopt where there is none) when `folder`, the stat of the
  /// `jobgraphs` node read just now, shows the copy current; all nullopt otherwise.
  std::vector<std::optional<std::string>> lookup(const std::vector<job_id>& jobs, const Stat& folder) const;

 private:
  struct entry {
    std::string payload;  ///< the file the pointer named
    std::string bytes;
  };

  void run();
  /// Brings the copy up to date with the tree (re-arming the folder's watch).
  result<void> refresh();

  pointer_files& files_;
  znode_layout z_;
  file_layout f_;

  std::mutex run_mu_;  // start / stop
  watching_thread watcher_;

  mutable std::mutex mu_;  // the copy
  bool running_ = false;
  std::optional<std::int64_t> label_;    ///< the folder's mzxid the copy reflects; none: no copy
  std::map<std::string, entry> graphs_;  ///< by job id
};

}  // namespace regent::ha::zookeeper

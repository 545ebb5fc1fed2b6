#pragma once
/// Leader retrieval of the `zookeeper` backend: watches `leader/<component>/connection_info`
/// and `leader/epoch`, and reports the published info while it belongs to the current epoch
/// (info left behind by a deposed leader whose session still lives reads as "no leader").
/// "No leader" too while the session is expired and — unless `tolerate_suspended`, as Flink's
/// retrieval — while the connection is lost. Garbage in either node is logged once, naming the
/// znode, and reads as "no leader"; nothing crashes.
///
/// Owned by whoever asked the services for it; watches on a thread of its own (listener calls
/// run there, in order). Thread-safe.

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "watching_thread.hpp"
#include "layout.hpp"
#include "regent/ha/leader_retrieval.hpp"

namespace regent::ha::zookeeper {

class zk_retrieval final : public leader_retrieval {
 public:
  zk_retrieval(std::shared_ptr<zk_connection> conn, znode_layout paths, std::string component, bool tolerate_suspended);
  ~zk_retrieval() override;

  result<void> start(leader_retrieval_listener& listener) override;
  void stop() override;
  std::optional<leader_info> current() const override;

 private:
  void run(leader_retrieval_listener* listener);
  /// Reads the leader, leaving watches on what it read; errc::unavailable when ZooKeeper
  /// cannot be asked, errc::corrupt naming the znode for garbage.
  result<std::optional<leader_info>> observe();

  std::shared_ptr<zk_connection> conn_;
  znode_layout paths_;
  std::string component_;
  bool tolerate_suspended_;
  std::string last_error_;  // only the watching thread

  mutable std::mutex mu_;
  std::optional<leader_info> current_;
  watching_thread watcher_{*conn_};
};

}  // namespace regent::ha::zookeeper

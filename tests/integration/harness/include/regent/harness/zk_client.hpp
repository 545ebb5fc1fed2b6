#pragma once
/// A small synchronous ZooKeeper client for tests and benchmarks: to look at the tree an HA
/// backend left behind and to plant bad input in it. (The product's client is ha/zookeeper.)
/// One session, opened by the constructor; calls block the calling thread. Reads start with a
/// ZooKeeper `sync`, so they see what other sessions wrote before. Not thread-safe.

#include <chrono>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

typedef struct _zhandle zhandle_t;

namespace regent::harness {

class zk_client {
 public:
  explicit zk_client(const std::string& quorum,
                     std::chrono::milliseconds session_timeout = std::chrono::milliseconds(10000));
  ~zk_client();
  zk_client(const zk_client&) = delete;
  zk_client& operator=(const zk_client&) = delete;

  /// Waits until the session is connected.
  bool wait_connected(std::chrono::milliseconds timeout);

  /// The node's data, or nullopt when it does not exist (or cannot be read).
  std::optional<std::string> get(const std::string& path);
  bool exists(const std::string& path);
  /// Sorted child names, or nullopt when the node does not exist.
  std::optional<std::vector<std::string>> children(const std::string& path);
  /// The session owning an ephemeral node (0 for a persistent one), or nullopt.
  std::optional<std::int64_t> ephemeral_owner(const std::string& path);
  /// Every node below `path` (not `path` itself), depth first.
  std::vector<std::string> descendants(const std::string& path);

  /// Creates `path` with `data` (and any missing ancestors, empty); true on success.
  bool create(const std::string& path, const std::string& data, bool ephemeral = false);
  /// Sets the data of an existing node; true on success.
  bool set(const std::string& path, const std::string& data);
  /// Removes `path` and everything below it; true when it is gone.
  bool remove_tree(const std::string& path);

  /// What the client's event thread reports (defined in the .cpp).
  struct session_state;

 private:
  std::shared_ptr<session_state> state_;  // shared with the client's event thread
  zhandle_t* zh_ = nullptr;
};

}  // namespace regent::harness

#pragma once
/// A ZooKeeper ensemble on loopback owned by a test (or a benchmark): N servers from Debian's
/// `zookeeper` package (`java -cp /usr/share/java/zookeeper.jar:... QuorumPeerMain zoo.cfg`),
/// each a child_process — killed and reaped when the object goes away, and dead with the test
/// process (PR_SET_PDEATHSIG) — with free ports and data dirs under the given folder.
///
/// Tuned for tests: tickTime=200 ms (sessions of 0.4 s .. 30 s are granted), forceSync=no,
/// no admin server, small heaps. Health is the `srvr` four-letter word's `Mode:` line (`ruok`
/// answers even without a quorum). Not thread-safe: drive it from the test's main thread (the
/// thread that starts a server is the one whose death kills it).

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "regent/harness/child_process.hpp"

namespace regent::harness {

class zk_quorum {
 public:
  struct options {
    int servers = 3;
    int tick_ms = 200;
    int heap_mb = 96;
  };

  /// Picks ports and writes each server's zoo.cfg and myid under `dir`; starts nothing.
  explicit zk_quorum(std::filesystem::path dir, options o);
  explicit zk_quorum(std::filesystem::path dir) : zk_quorum(std::move(dir), options{}) {}
  ~zk_quorum();
  zk_quorum(const zk_quorum&) = delete;
  zk_quorum& operator=(const zk_quorum&) = delete;

  int size() const { return static_cast<int>(servers_.size()); }
  /// "127.0.0.1:p1,127.0.0.1:p2,..." for high-availability.zookeeper.quorum.
  std::string connect_string() const;
  int client_port(int i) const { return servers_[i].client_port; }

  /// Starts every server that is not running and waits until all of them serve (Mode leader
  /// or follower). False at the deadline (see `logs()`).
  bool start(std::chrono::milliseconds timeout);
  /// Starts server `i` if it is not running; does not wait.
  void start_server(int i);
  /// SIGKILL of server `i`, reaped before returning.
  void kill(int i);
  /// SIGKILL of several servers at once (all signalled before any is reaped).
  void kill(const std::vector<int>& which);
  bool running(int i);
  /// The `Mode:` server `i` reports ("leader", "follower", ...), or nullopt when it does not
  /// answer or serves no quorum.
  std::optional<std::string> mode(int i) const;
  /// Waits until every server in `which` serves.
  bool wait_serving(const std::vector<int>& which, std::chrono::milliseconds timeout) const;
  /// The index of the server that is the ensemble's leader now, or -1.
  int leader() const;

  /// The end of every server's log, for failure messages.
  std::string logs() const;

 private:
  struct server {
    int client_port = 0;
    int quorum_port = 0;
    int election_port = 0;
    std::filesystem::path dir;
    std::unique_ptr<child_process> process;
  };
  std::filesystem::path dir_;
  options opts_;
  std::vector<server> servers_;
};

/// The answer of a ZooKeeper four-letter word (e.g. "srvr") on 127.0.0.1:`port`, or "" when the
/// server does not answer within `timeout`.
std::string zk_four_letter_word(int port, const std::string& word,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// A port on 127.0.0.1 nobody listens on right now.
int free_loopback_port();

}  // namespace regent::harness

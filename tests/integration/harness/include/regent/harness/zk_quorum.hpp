#pragma once
/// A ZooKeeper ensemble on loopback owned by a test (or a benchmark): N servers from Debian's
/// `zookeeper` package (`java -cp /usr/share/java/zookeeper.jar:... QuorumPeerMain zoo.cfg`),
/// each a child_process — killed and reaped when the object goes away, and dead with the test
/// process (PR_SET_PDEATHSIG) — with free ports and data dirs under the given folder.
///
/// Tuned for tests: tickTime=200 ms (sessions of 0.4 s .. 30 s are granted), no admin server,
/// small heaps. The log is written as a production ensemble writes it (forceSync=yes, the
/// default: a transaction is acknowledged only once it is on disk), so a test never relies on
/// durability that a real quorum would not give. Health is the `srvr` four-letter word's
/// `Mode:` line (`ruok` answers even without a quorum). Not thread-safe: drive it from the test's main thread (the
/// thread that starts a server is the one whose death kills it).

#include <chrono>
#include <cstdint>
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
    /// Per server: the address it binds and advertises (default 127.0.0.1 for all) and an argv
    /// prefix that starts it (e.g. `ip netns exec <ns>`, to run it in a namespace of its own).
    std::vector<std::string> addresses;
    std::vector<std::vector<std::string>> launch_prefixes;
  };

  /// Picks ports and writes each server's zoo.cfg and myid under `dir`; starts nothing.
  explicit zk_quorum(std::filesystem::path dir, options o);
  explicit zk_quorum(std::filesystem::path dir) : zk_quorum(std::move(dir), options{}) {}
  ~zk_quorum();
  zk_quorum(const zk_quorum&) = delete;
  zk_quorum& operator=(const zk_quorum&) = delete;

  int size() const { return static_cast<int>(servers_.size()); }
  /// "127.0.0.1:p1,127.0.0.1:p2,..." (the servers' addresses) for high-availability.zookeeper.quorum.
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

  /// What one `srvr` answer says about a server that serves: its `Mode:` and its `Zxid:` (the
  /// last transaction it has applied).
  struct server_status {
    std::string mode;
    std::uint64_t zxid = 0;
  };
  /// Server `i`'s status, or nullopt when it does not answer within `timeout` or serves no
  /// quorum (down, electing, or still syncing with the leader). One `srvr` round trip.
  std::optional<server_status> status(int i, std::chrono::milliseconds timeout = std::chrono::milliseconds(500)) const;

  /// True when server `i` serves (Mode leader or follower) and has caught up: its Zxid is at
  /// least the leader's Zxid as the first call to see `i` serving (since it was last started,
  /// killed, or seen not serving) read it. A leader is caught up by definition. Non-blocking
  /// apart from a few `srvr` round trips: call it once per iteration of a polling loop until it
  /// holds. A server that has rejoined can be serving yet still behind — the window in which
  /// losing another server takes the ensemble beyond what it tolerates.
  bool serving_and_caught_up(int i);

  /// The end of every server's log, for failure messages.
  std::string logs() const;

 private:
  struct server {
    int client_port = 0;
    int quorum_port = 0;
    int election_port = 0;
    std::string address = "127.0.0.1";
    std::vector<std::string> launch_prefix;
    std::filesystem::path dir;
    std::unique_ptr<child_process> process;
    /// The leader's Zxid when this server was first seen serving (serving_and_caught_up).
    std::optional<std::uint64_t> catch_up_zxid;
  };
  /// Picks free ports for every server and writes each one's zoo.cfg and myid.
  void write_configs();

  std::filesystem::path dir_;
  options opts_;
  std::vector<server> servers_;
  bool ever_served_ = false;  // after that, a server's ports never change
};

/// The answer of a ZooKeeper four-letter word (e.g. "srvr") on `host`:`port` (IPv4), or "" when
/// the server does not answer within `timeout`.
std::string zk_four_letter_word(const std::string& host, int port, const std::string& word,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
/// The same on 127.0.0.1:`port`.
std::string zk_four_letter_word(int port, const std::string& word,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

/// A port on 127.0.0.1 nobody listens on right now.
int free_loopback_port();

}  // namespace regent::harness

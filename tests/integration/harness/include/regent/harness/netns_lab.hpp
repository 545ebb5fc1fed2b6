#pragma once
/// A small IPv4 network of Linux network namespaces owned by one test, for real partitions.
///
/// Topology: a "switch" namespace holds a bridge; every host (a jobmanager, a taskmanager, a
/// ZooKeeper server) is a namespace of its own with one veth link (`eth0`) into that bridge and
/// one address in a /24 picked for this run; the test process itself reaches the network from
/// the root namespace through one more veth link into the bridge (the only link the lab creates
/// in the root namespace). Processes run inside a host with `ip netns exec` (a prefix for a
/// child_process's argv: the same pid, so signals and reaping work as usual).
///
/// Faults are made inside the hosts' own namespaces, so they never touch the machine's firewall:
/// `cut` drops every packet between two hosts both ways (iptables DROP: connections hang as on a
/// real partition, nothing is refused), `isolate` drops everything on a host's link, `heal` removes
/// them; `degrade` loses a share of a host's packets (iptables `statistic`) and delays them
/// (`tc qdisc netem delay` where the kernel has netem; otherwise an NFQUEUE rule and a small
/// program of the harness, `regent_test_delay_queue`, that holds each packet that long — see
/// `delay_method()`).
///
/// Names carry the pid of the test process (`rgp<pid>-<host>`, root link `rgp<pid>`), so two
/// tests can run at once; the destructor removes everything, and the constructor first sweeps
/// what runs of dead processes left behind (a test killed by ctest's TIMEOUT). It throws
/// std::runtime_error with the failing command and its output when the network cannot be made:
/// a partition test must fail, never skip, where namespaces are not available.
///
/// Not thread-safe: drive it from the test's main thread.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "regent/harness/child_process.hpp"

namespace regent::harness {

class netns_lab {
 public:
  netns_lab();
  ~netns_lab();
  netns_lab(const netns_lab&) = delete;
  netns_lab& operator=(const netns_lab&) = delete;

  /// Adds host `name` (letters, digits, '-'; at most 8 characters) and returns its address.
  std::string add_host(const std::string& name);
  /// The address of host `name`, or of the test process for "test".
  const std::string& address(const std::string& name) const;
  /// The argv prefix that runs a program inside host `name`.
  std::vector<std::string> exec_prefix(const std::string& name) const;  // empty for "test"

  /// Drops every packet between hosts `a` and `b`, both ways, until healed.
  void cut(const std::string& a, const std::string& b);
  /// `cut(a, b)` for every b in `others`.
  void cut(const std::string& a, const std::vector<std::string>& others);
  /// Drops everything on host `name`'s link (the test process cannot reach it either).
  void isolate(const std::string& name);
  /// Removes every cut and isolation that involves host `name`.
  void heal(const std::string& name);
  /// Removes every cut and isolation.
  void heal_all();

  /// Loses `loss_percent` of host `name`'s packets in each direction and delays every packet on
  /// its link by `delay_ms` / 2 each way (a round trip by `delay_ms`); `restore` takes both back.
  void degrade(const std::string& name, int loss_percent, int delay_ms);
  void restore(const std::string& name);
  /// "netem", or "nfqueue" where the kernel has no netem: how `degrade` delays.
  const std::string& delay_method() const { return delay_method_; }

  /// The faults made so far, one line each ("cut jm0 zk1", "heal jm0", ...), for a failure message.
  const std::vector<std::string>& history() const { return history_; }

  /// Removes the namespaces and root links of runs whose process is gone; the number removed.
  static int sweep_leftovers();

 private:
  /// One iptables rule the lab added: in which host, its spec after -I/-D, the hosts it
  /// separates, and whether it is a `degrade` loss rule rather than a partition.
  struct rule {
    std::string host;
    std::string spec;
    std::set<std::string> involves;
    bool loss = false;
  };

  std::string ns(const std::string& host) const;
  /// Runs `command` inside `host`'s namespace; throws when it fails.
  void in(const std::string& host, const std::string& command);
  void remove_rules(const std::function<bool(const rule&)>& which);

  std::string prefix_;  // rgp<pid>
  std::string subnet_;  // "10.251.<x>."
  std::string delay_method_;
  std::map<std::string, std::string> addresses_;  // host → address ("test" → the root side)
  std::vector<std::string> hosts_;
  std::vector<rule> rules_;
  std::map<std::string, std::unique_ptr<child_process>> delayers_;  // host → its delay program
  std::vector<std::string> history_;
};

}  // namespace regent::harness

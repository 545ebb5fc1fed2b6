#include "regent/harness/netns_lab.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

namespace regent::harness {

namespace fs = std::filesystem;

namespace {

const char* const lab_prefix = "rgp";

/// Runs a shell command line built from the lab's own names and addresses; its exit code and
/// everything it printed.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// Runs `command`; throws naming it and its output when it fails.
std::string must(const std::string& command) {
  auto [code, out] = run(command);
  if (code != 0)
    throw std::runtime_error("netns_lab: `" + command + "` failed (exit " + std::to_string(code) + "): " + out +
                             "(a partition test needs root, iproute2 and iptables: scripts/install-deps.sh)");
  return out;
}

std::string ip_binary() {
  for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    if (fs::exists(p)) return p;
  return "ip";
}

/// The pid in a lab name `rgp<pid>` or `rgp<pid>-<host>`, or 0.
pid_t owner_of(const std::string& name) {
  if (name.rfind(lab_prefix, 0) != 0) return 0;
  std::size_t i = 3;
  pid_t pid = 0;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i]))) pid = pid * 10 + (name[i++] - '0');
  if (i == 3 || (i < name.size() && name[i] != '-')) return 0;
  return pid;
}

bool alive(pid_t pid) { return fs::exists("/proc/" + std::to_string(pid)); }

/// An exclusive lock over the choice of a subnet, so that two labs starting at once do not pick the same.
class subnet_lock {
 public:
  subnet_lock() {
    fd_ = ::open("/run/lock/regent-netns-lab.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fd_ = ::open("/tmp/regent-netns-lab.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~subnet_lock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

}  // namespace

int netns_lab::sweep_leftovers() {
  int removed = 0;
  const auto ip = ip_binary();
  std::istringstream namespaces(run(ip + " netns list").second);
  for (std::string line; std::getline(namespaces, line);) {
    auto name = line.substr(0, line.find(' '));
    if (auto pid = owner_of(name); pid > 0 && !alive(pid) && run(ip + " netns del " + name).first == 0) ++removed;
  }
  std::istringstream links(run(ip + " -o link show").second);
  for (std::string line; std::getline(links, line);) {
    auto start = line.find(": ");
    if (start == std::string::npos) continue;
    auto name = line.substr(start + 2);
    name = name.substr(0, name.find_first_of("@:"));
    if (auto pid = owner_of(name); pid > 0 && !alive(pid) && run(ip + " link del " + name).first == 0) ++removed;
  }
  return removed;
}

netns_lab::netns_lab() : prefix_(lab_prefix + std::to_string(::getpid())) {
  if (::geteuid() != 0)
    throw std::runtime_error("netns_lab: network namespaces need root (this test runs as uid " +
                             std::to_string(::geteuid()) + ")");
  sweep_leftovers();
  const auto ip = ip_binary();
  try {
    const auto sw = ns("sw");
    must(ip + " netns add " + sw);
    hosts_.push_back("sw");
    must(ip + " -n " + sw + " link set lo up");
    must(ip + " -n " + sw + " link add br0 type bridge");
    must(ip + " -n " + sw + " link set br0 up");
    must(ip + " link add " + prefix_ + " type veth peer name up0 netns " + sw);
    must(ip + " -n " + sw + " link set up0 master br0 up");
    {
      subnet_lock lock;
      auto taken = run(ip + " -4 -o addr show").second;
      int x = static_cast<int>(::getpid() % 250) + 1;
      for (int tries = 0; tries < 250 && taken.find("10.251." + std::to_string(x) + ".") != std::string::npos; ++tries)
        x = x % 250 + 1;
      subnet_ = "10.251." + std::to_string(x) + ".";
      must(ip + " addr add " + subnet_ + "1/24 dev " + prefix_);
    }
    must(ip + " link set " + prefix_ + " up");
    addresses_["test"] = subnet_ + "1";
    // Does this kernel have netem? (Debian's does; a trimmed VM kernel may not.)
    bool netem = run(ip + " netns exec " + sw + " tc qdisc add dev up0 root netem delay 1ms").first == 0;
    if (netem) run(ip + " netns exec " + sw + " tc qdisc del dev up0 root");
    delay_method_ = netem ? "netem" : "nfqueue";
  } catch (...) {
    for (auto& h : hosts_) run(ip + " netns del " + ns(h));
    run(ip + " link del " + prefix_);
    throw;
  }
}

netns_lab::~netns_lab() {
  for (auto& [host, shim] : delayers_) {
    std::error_code ec;
    auto log = shim->log_file();
    shim.reset();
    fs::remove(log, ec);
  }
  const auto ip = ip_binary();
  // Deleting a namespace deletes its end of every veth pair, and with it the other end.
  for (auto& h : hosts_) run(ip + " netns del " + ns(h));
  run(ip + " link del " + prefix_);
}

std::string netns_lab::ns(const std::string& host) const { return prefix_ + "-" + host; }

std::string netns_lab::add_host(const std::string& name) {
  if (name.empty() || name.size() > 8 || name == "sw" || name == "test" || addresses_.count(name) ||
      !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }))
    throw std::invalid_argument("netns_lab: bad or duplicate host name '" + name + "'");
  const auto ip = ip_binary();
  const int k = static_cast<int>(hosts_.size());  // "sw" is hosts_[0]: the first host gets .2
  if (k + 1 > 250) throw std::runtime_error("netns_lab: too many hosts");
  const auto host = ns(name), sw = ns("sw"), port = "h" + std::to_string(k);
  const auto address = subnet_ + std::to_string(k + 1);
  must(ip + " netns add " + host);
  hosts_.push_back(name);
  must(ip + " -n " + host + " link set lo up");
  must(ip + " -n " + sw + " link add " + port + " type veth peer name eth0 netns " + host);
  must(ip + " -n " + sw + " link set " + port + " master br0 up");
  must(ip + " -n " + host + " addr add " + address + "/24 dev eth0");
  must(ip + " -n " + host + " link set eth0 up");
  addresses_[name] = address;
  return address;
}

const std::string& netns_lab::address(const std::string& name) const {
  auto it = addresses_.find(name);
  if (it == addresses_.end()) throw std::invalid_argument("netns_lab: no host '" + name + "'");
  return it->second;
}

std::vector<std::string> netns_lab::exec_prefix(const std::string& name) const {
  address(name);  // throws for an unknown host
  if (name == "test") return {};  // the root namespace, where the test runs
  return {ip_binary(), "netns", "exec", ns(name)};
}

void netns_lab::in(const std::string& host, const std::string& command) {
  must(ip_binary() + " netns exec " + ns(host) + " " + command);
}

void netns_lab::cut(const std::string& a, const std::string& b) { cut(a, std::vector<std::string>{b}); }

void netns_lab::cut(const std::string& a, const std::vector<std::string>& others) {
  // One shell per namespace: the cut is in place, all of it, when this returns (an `ip netns
  // exec` costs tens of milliseconds; rule by rule, a cut from a quorum took a second to close).
  std::map<std::string, std::vector<std::string>> specs;
  for (auto& b : others)
    for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}})
      for (auto spec : {"INPUT -s " + address(to) + " -j DROP", "OUTPUT -d " + address(to) + " -j DROP"}) {
        specs[from].push_back(spec);
        rules_.push_back({from, spec, {a, b}, false});
      }
  for (auto& [host, list] : specs) {
    std::string script;
    for (auto& spec : list) script += (script.empty() ? "" : " && ") + ("iptables -w -I " + spec);
    in(host, "sh -c '" + script + "'");
  }
  for (auto& b : others) history_.push_back("cut " + a + " " + b);
}

void netns_lab::isolate(const std::string& name) {
  in(name, "sh -c 'iptables -w -I INPUT -i eth0 -j DROP && iptables -w -I OUTPUT -o eth0 -j DROP'");
  for (auto spec : {std::string("INPUT -i eth0 -j DROP"), std::string("OUTPUT -o eth0 -j DROP")})
    rules_.push_back({name, spec, {name}, false});
  history_.push_back("isolate " + name);
}

void netns_lab::remove_rules(const std::function<bool(const rule&)>& which) {
  std::vector<rule> kept;
  std::map<std::string, std::string> scripts;  // one shell per namespace, as in `cut`
  for (auto& r : rules_) {
    if (which(r))
      scripts[r.host] += (scripts[r.host].empty() ? "" : " && ") + ("iptables -w -D " + r.spec);
    else
      kept.push_back(r);
  }
  for (auto& [host, script] : scripts) in(host, "sh -c '" + script + "'");
  rules_ = std::move(kept);
}

void netns_lab::heal(const std::string& name) {
  remove_rules([&](const rule& r) { return !r.loss && r.involves.count(name); });
  history_.push_back("heal " + name);
}

void netns_lab::heal_all() {
  remove_rules([](const rule& r) { return !r.loss; });
  history_.push_back("heal all");
}

void netns_lab::degrade(const std::string& name, int loss_percent, int delay_ms) {
  char p[32];
  std::snprintf(p, sizeof p, "%.4f", loss_percent / 100.0);
  for (auto spec : {"INPUT -i eth0 -m statistic --mode random --probability " + std::string(p) + " -j DROP",
                    "OUTPUT -o eth0 -m statistic --mode random --probability " + std::string(p) + " -j DROP"}) {
    in(name, "iptables -w -I " + spec);
    rules_.push_back({name, spec, {name}, true});
  }
  // Both directions, half the delay each way: with netem on the host's own end of the link
  // (what it sends) and the switch's end (what it receives); without netem, every packet on the
  // host's link goes through an NFQUEUE that the delay program (delay_queue.c) holds it in.
  const auto delay = std::to_string(std::max(1, delay_ms / 2));
  if (delay_method_ == "netem") {
    const auto port = "h" + std::to_string(std::find(hosts_.begin(), hosts_.end(), name) - hosts_.begin());
    in(name, "tc qdisc add dev eth0 root netem delay " + delay + "ms");
    in("sw", "tc qdisc add dev " + port + " root netem delay " + delay + "ms");
  } else {
    auto argv = exec_prefix(name);
    argv.push_back(REGENT_DELAY_QUEUE);
    argv.push_back("7");
    argv.push_back(delay);
    auto log = fs::temp_directory_path() / (ns(name) + "-delay.log");
    auto& shim = delayers_[name] = std::make_unique<child_process>(argv, log);
    if (!shim->wait_for_prefix("ready", std::chrono::seconds(10)))
      throw std::runtime_error("netns_lab: the delay program did not start in " + name + ": " + shim->log_text());
    // Appended: the loss rules above come first, so a lost packet is not delayed first.
    for (auto spec : {std::string("INPUT -i eth0 -j NFQUEUE --queue-num 7 --queue-bypass"),
                      std::string("OUTPUT -o eth0 -j NFQUEUE --queue-num 7 --queue-bypass")}) {
      in(name, "iptables -w -A " + spec);
      rules_.push_back({name, spec, {name}, true});
    }
  }
  history_.push_back("degrade " + name + " loss " + p + " delay " + std::to_string(delay_ms) + " ms (" +
                     delay_method_ + ")");
}

void netns_lab::restore(const std::string& name) {
  remove_rules([&](const rule& r) { return r.loss && r.host == name; });
  if (delay_method_ == "netem") {
    const auto port = "h" + std::to_string(std::find(hosts_.begin(), hosts_.end(), name) - hosts_.begin());
    in(name, "tc qdisc del dev eth0 root");
    in("sw", "tc qdisc del dev " + port + " root");
  }
  if (auto it = delayers_.find(name); it != delayers_.end()) {
    std::error_code ec;
    auto log = it->second->log_file();
    delayers_.erase(it);  // SIGKILL and reap
    fs::remove(log, ec);
  }
  history_.push_back("restore " + name);
}

}  // namespace regent::harness

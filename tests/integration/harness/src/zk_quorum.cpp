#include "regent/harness/zk_quorum.hpp"

#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace regent::harness {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

/// Java from REGENT_JAVA, else $JAVA_HOME/bin/java, else /usr/bin/java.
std::string java_binary() {
  if (const char* j = std::getenv("REGENT_JAVA")) return j;
  if (const char* h = std::getenv("JAVA_HOME")) return std::string(h) + "/bin/java";
  return "/usr/bin/java";
}

/// The server jar (its manifest names its dependencies) and a logging binding (slf4j-simple
/// logs to stderr, which the child_process keeps in the server's log file). Both from Debian
/// packages: zookeeper / libzookeeper-java and libslf4j-java.
const char* const class_path = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar";

/// Mode and Zxid from a `srvr` answer, or nullopt when it names no serving mode ("This ZooKeeper
/// instance is not currently serving requests", or no answer at all).
std::optional<zk_quorum::server_status> parse_srvr(const std::string& text) {
  std::optional<std::string> mode;
  std::optional<std::uint64_t> zxid;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.rfind("Mode: ", 0) == 0) mode = line.substr(6);
    if (line.rfind("Zxid: ", 0) == 0) {  // "Zxid: 0x100000005"; a cut-off answer is no answer
      char* end = nullptr;
      auto v = std::strtoull(line.c_str() + 6, &end, 16);
      if (end != line.c_str() + 6 && *end == '\0') zxid = v;
    }
  }
  if (!mode || !zxid) return std::nullopt;
  if (*mode != "leader" && *mode != "follower" && *mode != "standalone" && *mode != "observer") return std::nullopt;
  return zk_quorum::server_status{*mode, *zxid};
}

}  // namespace

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to a free port failed");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string zk_four_letter_word(int port, const std::string& word, std::chrono::milliseconds timeout) {
  return zk_four_letter_word("127.0.0.1", port, word, timeout);
}

std::string zk_four_letter_word(const std::string& host, int port, const std::string& word,
                                std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string out;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return "";
  }
  // A server cut off by a partition drops the SYN: the connect must end at the deadline too.
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd w{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    rc = (::poll(&w, 1, static_cast<int>(timeout.count())) == 1 &&
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
             ? 0
             : -1;
  }
  ::fcntl(fd, F_SETFL, flags);
  if (rc == 0 &&
      ::send(fd, word.data(), word.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(word.size())) {
    auto deadline = steady::now() + timeout;
    char buf[1024];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count();
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(left));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
  }
  ::close(fd);
  return out;
}

zk_quorum::zk_quorum(fs::path dir, options o) : dir_(std::move(dir)), opts_(o) {
  servers_.resize(static_cast<std::size_t>(opts_.servers));
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    if (i < opts_.addresses.size()) servers_[i].address = opts_.addresses[i];
    if (i < opts_.launch_prefixes.size()) servers_[i].launch_prefix = opts_.launch_prefixes[i];
  }
  write_configs();
}

void zk_quorum::write_configs() {
  std::set<int> taken;
  auto pick = [&] {
    for (;;) {
      int p = free_loopback_port();
      if (taken.insert(p).second) return p;
    }
  };
  for (auto& s : servers_) {
    s.client_port = pick();
    s.quorum_port = pick();
    s.election_port = pick();
  }
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    auto& s = servers_[i];
    s.dir = dir_ / ("zk" + std::to_string(i + 1));
    fs::create_directories(s.dir / "data");
    std::ofstream(s.dir / "data" / "myid") << (i + 1) << "\n";
    std::ofstream cfg(s.dir / "zoo.cfg");
    cfg << "tickTime=" << opts_.tick_ms << "\n"
        << "initLimit=25\nsyncLimit=10\n"
        << "dataDir=" << (s.dir / "data").string() << "\n"
        << "clientPort=" << s.client_port << "\nclientPortAddress=" << s.address << "\n"
        << "maxSessionTimeout=30000\n"
        << "admin.enableServer=false\n4lw.commands.whitelist=*\n"
        << "forceSync=yes\npreAllocSize=1024\n"
        << (servers_.size() > 1 ? "standaloneEnabled=false\n" : "");
    for (std::size_t j = 0; j < servers_.size(); ++j)
      cfg << "server." << (j + 1) << "=" << servers_[j].address << ":" << servers_[j].quorum_port << ":" << servers_[j].election_port
          << "\n";
  }
}

zk_quorum::~zk_quorum() {
  for (auto& s : servers_) s.process.reset();  // SIGKILL and reap
}

std::string zk_quorum::connect_string() const {
  std::string out;
  for (const auto& s : servers_)
    out += (out.empty() ? "" : ",") + s.address + ":" + std::to_string(s.client_port);
  return out;
}

void zk_quorum::start_server(int i) {
  auto& s = servers_[static_cast<std::size_t>(i)];
  if (s.process && s.process->running()) return;
  s.process.reset();
  s.catch_up_zxid.reset();
  std::vector<std::string> argv = s.launch_prefix;
  std::vector<std::string> java{java_binary(),
                                "-Xmx" + std::to_string(opts_.heap_mb) + "m",
                                "-Xms16m",
                                "-XX:+UseSerialGC",
                                "-XX:TieredStopAtLevel=1",
                                "-Djava.net.preferIPv4Stack=true",
                                "-Dzookeeper.jmx.log4j.disable=true",
                                "-cp",
                                class_path,
                                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                                (s.dir / "zoo.cfg").string()};
  argv.insert(argv.end(), java.begin(), java.end());
  s.process = std::make_unique<child_process>(argv, s.dir / "server.log");
}

bool zk_quorum::start(std::chrono::milliseconds timeout) {
  const auto until = steady::now() + timeout;
  std::vector<int> all;
  for (int i = 0; i < size(); ++i) all.push_back(i);
  for (int attempt = 1;; ++attempt) {
    for (int i : all) start_server(i);
    bool died = false;
    while (!died && steady::now() < until) {
      if (wait_serving(all, std::chrono::milliseconds(250))) {
        ever_served_ = true;
        return true;
      }
      for (auto& srv : servers_) died = died || (srv.process && !srv.process->running());
    }
    // A port picked as free can be taken by another process before the server binds it (tests
    // run two at a time): that server exits at once. Before the ensemble ever served, nothing
    // depends on its ports yet, so all of them are picked afresh and it starts again.
    if (!died || ever_served_ || attempt == 3 || steady::now() >= until) return false;
    for (int i : all) kill(i);
    for (auto& srv : servers_) {
      std::error_code ec;
      fs::remove_all(srv.dir / "data" / "version-2", ec);
    }
    write_configs();
  }
}

void zk_quorum::kill(int i) {
  auto& s = servers_[static_cast<std::size_t>(i)];
  if (!s.process) return;
  s.process->signal(SIGKILL);
  s.process->wait_exit(std::chrono::seconds(30));
  s.process.reset();
  // Losing a server can make the others elect and resync too (when it led): each of them has
  // to show again that it caught up.
  for (auto& other : servers_) other.catch_up_zxid.reset();
}

void zk_quorum::kill(const std::vector<int>& which) {
  for (int i : which)
    if (auto& s = servers_[static_cast<std::size_t>(i)]; s.process) s.process->signal(SIGKILL);
  for (int i : which) kill(i);
}

bool zk_quorum::running(int i) {
  auto& s = servers_[static_cast<std::size_t>(i)];
  return s.process && s.process->running();
}

std::optional<std::string> zk_quorum::mode(int i) const {
  const auto& s = servers_[static_cast<std::size_t>(i)];
  auto st = parse_srvr(zk_four_letter_word(s.address, s.client_port, "srvr"));
  if (!st) return std::nullopt;
  return st->mode;
}

std::optional<zk_quorum::server_status> zk_quorum::status(int i, std::chrono::milliseconds timeout) const {
  const auto& s = servers_[static_cast<std::size_t>(i)];
  return parse_srvr(zk_four_letter_word(s.address, s.client_port, "srvr", timeout));
}

bool zk_quorum::serving_and_caught_up(int i) {
  auto& s = servers_[static_cast<std::size_t>(i)];
  auto st = status(i);
  if (!st || (st->mode != "leader" && st->mode != "follower")) {
    // Not serving (down, electing, syncing): the target is taken afresh once it serves again.
    s.catch_up_zxid.reset();
    return false;
  }
  if (st->mode == "leader") return true;  // the leader's log is the one the others follow
  if (!s.catch_up_zxid) {
    int l = leader();
    if (l < 0) return false;  // no leader to compare with (an election under way): ask again later
    auto leader_status = status(l);
    if (!leader_status) return false;
    s.catch_up_zxid = leader_status->zxid;
  }
  return st->zxid >= *s.catch_up_zxid;
}

bool zk_quorum::wait_serving(const std::vector<int>& which, std::chrono::milliseconds timeout) const {
  auto deadline = steady::now() + timeout;
  for (;;) {
    bool all = true;
    for (int i : which) all = all && mode(i).has_value();
    if (all) return true;
    if (steady::now() >= deadline) return false;
    // Polling the servers' own health word: there is no event to wait on across processes.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int zk_quorum::leader() const {
  for (int i = 0; i < size(); ++i)
    if (mode(i) == std::optional<std::string>("leader")) return i;
  return -1;
}

std::string zk_quorum::logs() const {
  std::string out;
  for (const auto& s : servers_) {
    std::ifstream in(s.dir / "server.log");
    std::stringstream ss;
    ss << in.rdbuf();
    auto text = ss.str();
    if (text.size() > 3000) text = "..." + text.substr(text.size() - 3000);
    out += "---- " + (s.dir / "server.log").string() + "\n" + text + "\n";
  }
  return out;
}

}  // namespace regent::harness

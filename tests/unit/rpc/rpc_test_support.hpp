#pragma once
/// Helpers of the rpc tests: waiting on conditions with a deadline (never sleeping), and a raw
/// POSIX socket for sending what a well-behaved client never would.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "regent/rpc/errc.hpp"
#include "regent/runtime/result.hpp"

namespace regent::rpc::test {

/// How long a test waits for something that should happen promptly before it fails. A safety
/// net against hangs, not a timing assertion.
inline constexpr std::chrono::seconds patience{30};

/// A counter that threads bump and a test waits on. Thread-safe.
class counter {
 public:
  /// Notifies under the lock, so a waiter that returns and destroys the counter cannot race
  /// with this call.
  void add(int n = 1) {
    std::lock_guard lock(mutex_);
    value_ += n;
    cv_.notify_all();
  }
  /// True when the count reached `target` before `patience` ran out.
  bool wait_for(int target) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, patience, [&] { return value_ >= target; });
  }
  int value() {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int value_ = 0;
};

/// The rpc errc of a failed result, or nullopt when it succeeded or has another category.
template <class T>
std::optional<errc> rpc_code(const result<T>& r) {
  if (r.ok() || r.err().code.category() != category()) return std::nullopt;
  return static_cast<errc>(r.err().code.value());
}

/// The four big-endian length bytes of a frame.
inline std::string length_prefix(std::uint32_t n) {
  return {static_cast<char>(n >> 24), static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 8) & 0xff),
          static_cast<char>(n & 0xff)};
}

/// A blocking TCP connection to 127.0.0.1 made with plain POSIX calls. Test thread only.
class raw_socket {
 public:
  explicit raw_socket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const { return connected_; }

  bool send_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Waits (up to `patience`) for bytes or the end of the stream. The bytes read, or nullopt
  /// once the peer has closed the connection (FIN or reset). An empty string means nothing came.
  std::optional<std::string> receive() {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(patience).count()));
    if (ready <= 0) return std::string();
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    return std::string(buffer, static_cast<std::size_t>(n));
  }

  /// True when the peer closed the connection (draining any bytes before it) within `patience`.
  bool closed_by_peer() {
    for (;;) {
      auto got = receive();
      if (!got) return true;
      if (got->empty()) return false;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

/// A port that nothing listens on: bound by the kernel, then released.
inline std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace regent::rpc::test

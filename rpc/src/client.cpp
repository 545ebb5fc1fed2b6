// The Asio side of rpc::client: connection, pending requests, deadlines, the io thread.
// Every Asio include of the client stays in this file (it compiles slowly).
#include "regent/rpc/client.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>

#include "asio_tls.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::rpc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// One connection attempt and, once connected (and through its TLS handshake, if any), the
/// connection itself. Replaced (never reused) after a loss, so handlers of an old one recognise
/// themselves as stale. Io thread only.
struct session {
  session(asio::io_context& io, std::size_t max_frame_bytes, asio::ssl::context* tls_context)
      : socket(io), decoder(max_frame_bytes) {
    if (tls_context != nullptr) tls.emplace(socket, *tls_context);
  }
  tcp::socket socket;
  std::optional<asio::ssl::stream<tcp::socket&>> tls;  // over socket; empty: plain TCP
  frame_decoder decoder;
  std::array<char, 16 * 1024> buffer;
  std::deque<std::string> out;
  bool connected = false;
  bool writing = false;
};

/// A request waiting for its response. Io thread only.
struct pending {
  std::string method;
  client::callback done;
  std::unique_ptr<asio::steady_timer> timer;
};

}  // namespace

/// The state of a client. Owned by `client`; everything below `io` is touched only on the io
/// thread, except the lifecycle fields under `life_mutex`.
struct client::impl {
  client_options options;
  std::string where;
  std::shared_ptr<spdlog::logger> log = logging::get("rpc");
  asio::io_context io;
  std::unique_ptr<asio::ssl::context> tls;  // null: plain TCP
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::resolver resolver{io};
  std::shared_ptr<session> current;
  std::unordered_map<std::uint64_t, pending> requests;
  std::uint64_t next_id = 1;
  std::mutex life_mutex;
  bool closed = false;
  std::mutex join_mutex;
  std::thread thread;
  std::thread::id io_thread_id;

  void deliver(const callback& done, result<envelope> r) {
    try {
      done(std::move(r));
    } catch (const std::exception& e) {
      log->error("rpc client callback threw: {}", e.what());
    } catch (...) {
      log->error("rpc client callback threw a non-exception");
    }
  }

  void start_request(envelope request, time_point deadline, callback done) {
    std::uint64_t id = next_id++;
    request.correlation_id = id;
    request.is_response = false;
    request.error.reset();
    std::string frame = encode_frame(request);
    if (frame.size() - 4 > options.max_frame_bytes) {
      deliver(done, error(errc::frame_too_large,
                          "request " + request.method + " of " + std::to_string(frame.size() - 4) +
                              " bytes is over the frame limit of " + std::to_string(options.max_frame_bytes)));
      return;
    }
    auto& p = requests[id];
    p.method = request.method;
    p.done = std::move(done);
    p.timer = std::make_unique<asio::steady_timer>(io, deadline);
    p.timer->async_wait([this, id](boost::system::error_code ec) {
      if (!ec) expire(id);
    });
    if (!current) connect();
    current->out.push_back(std::move(frame));
    if (current->connected && !current->writing) write(current);
  }

  void expire(std::uint64_t id) {
    auto it = requests.find(id);
    if (it == requests.end()) return;
    pending p = std::move(it->second);
    requests.erase(it);
    deliver(p.done, error(errc::timeout, "no response from " + where + " to " + p.method + " (correlation id " +
                                             std::to_string(id) + ") before the deadline"));
  }

  /// Fails every pending request and forgets `s`, when `s` is still the current session.
  void fail(std::shared_ptr<session> s, errc code, const std::string& message) {
    if (s != current) return;
    current.reset();
    boost::system::error_code ignored;
    s->socket.close(ignored);
    auto victims = std::move(requests);
    requests.clear();
    for (auto& [id, p] : victims) {
      p.timer->cancel();
      deliver(p.done, error(code, message));
    }
  }

  void connect() {
    auto s = std::make_shared<session>(io, options.max_frame_bytes, tls.get());
    current = s;
    resolver.async_resolve(options.host, std::to_string(options.port), tcp::resolver::numeric_service,
                           [this, s](boost::system::error_code ec, tcp::resolver::results_type endpoints) {
                             if (s != current) return;
                             if (ec) {
                               fail(s, errc::connect_failed, "cannot resolve " + where + ": " + ec.message());
                               return;
                             }
                             asio::async_connect(
                                 s->socket, endpoints,
                                 [this, s](boost::system::error_code ec, const tcp::endpoint&) { on_connect(s, ec); });
                           });
  }

  void on_connect(const std::shared_ptr<session>& s, boost::system::error_code ec) {
    if (s != current) return;
    if (ec) {
      fail(s, errc::connect_failed, "cannot connect to " + where + ": " + ec.message());
      return;
    }
    boost::system::error_code ignored;
    s->socket.set_option(tcp::no_delay(true), ignored);
    if (!s->tls) return on_ready(s);
    s->tls->async_handshake(asio::ssl::stream_base::client, [this, s](boost::system::error_code ec) {
      if (s != current) return;
      if (ec) {
        log->warn("TLS handshake with {} failed: {}", where, ec.message());
        fail(s, errc::connect_failed, "TLS handshake with " + where + " failed: " + ec.message());
        return;
      }
      on_ready(s);
    });
  }

  void on_ready(const std::shared_ptr<session>& s) {
    s->connected = true;
    read(s);
    if (!s->out.empty()) write(s);
  }

  void read(const std::shared_ptr<session>& s) {
    auto on = [this, s](boost::system::error_code ec, std::size_t n) { on_read(s, ec, n); };
    if (s->tls)
      s->tls->async_read_some(asio::buffer(s->buffer), std::move(on));
    else
      s->socket.async_read_some(asio::buffer(s->buffer), std::move(on));
  }

  void on_read(const std::shared_ptr<session>& s, boost::system::error_code ec, std::size_t n) {
    if (s != current) return;
    if (ec) {
      fail(s, errc::disconnected, "connection to " + where + " lost: " + ec.message());
      return;
    }
    s->decoder.feed(std::string_view(s->buffer.data(), n));
    for (;;) {
      auto next = s->decoder.next();
      if (!next) {
        log->warn("closing connection to {}: {}", where, next.err().message);
        fail(s, errc::disconnected, "connection to " + where + " closed: " + next.err().message);
        return;
      }
      if (!*next) break;
      on_response(std::move(**next));
      if (s != current) return;  // a callback cannot close us, but stay safe
    }
    read(s);
  }

  void on_response(envelope response) {
    if (!response.is_response) {
      log->warn("dropping a request (method {}) sent to the client by {}", response.method, where);
      return;
    }
    auto it = requests.find(response.correlation_id);
    if (it == requests.end()) {
      log->debug("late response from {} (correlation id {}) dropped", where, response.correlation_id);
      return;
    }
    pending p = std::move(it->second);
    requests.erase(it);
    p.timer->cancel();
    deliver(p.done, std::move(response));
  }

  void write(const std::shared_ptr<session>& s) {
    s->writing = true;
    auto written = [this, s](boost::system::error_code ec, std::size_t) {
      s->writing = false;
      if (s != current) return;
      if (ec) {
        fail(s, errc::disconnected, "connection to " + where + " lost: " + ec.message());
        return;
      }
      s->out.pop_front();
      if (!s->out.empty()) write(s);
    };
    if (s->tls)
      asio::async_write(*s->tls, asio::buffer(s->out.front()), std::move(written));
    else
      asio::async_write(s->socket, asio::buffer(s->out.front()), std::move(written));
  }

  /// On the io thread: fail everything with `errc::stopped` and stop the io_context.
  void shut_down() {
    resolver.cancel();
    if (current) fail(current, errc::stopped, "rpc client of " + where + " closed");
    io.stop();
  }
};

client::client(client_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  impl_->tls = detail::asio_context(impl_->options.tls);
  impl_->work.emplace(impl_->io.get_executor());
  impl_->thread = std::thread([s = impl_.get()] { s->io.run(); });
  impl_->io_thread_id = impl_->thread.get_id();
}

client::~client() { close(); }

void client::async_request(envelope request, time_point deadline, callback done) {
  {
    std::lock_guard lock(impl_->life_mutex);
    if (!impl_->closed) {
      asio::post(impl_->io, [s = impl_.get(), r = std::move(request), deadline, d = std::move(done)]() mutable {
        s->start_request(std::move(r), deadline, std::move(d));
      });
      return;
    }
  }
  impl_->deliver(done, error(errc::stopped, "rpc client of " + impl_->where + " is closed"));
}

result<envelope> client::request(envelope request, time_point deadline) {
  if (std::this_thread::get_id() == impl_->io_thread_id)
    return error(errc::invalid_argument, "a blocking rpc request cannot run on the client's own io thread");
  auto promise = std::make_shared<std::promise<result<envelope>>>();
  auto future = promise->get_future();
  async_request(std::move(request), deadline, [promise](result<envelope> r) { promise->set_value(std::move(r)); });
  return future.get();
}

result<envelope> client::request(envelope request, std::chrono::nanoseconds timeout) {
  return this->request(std::move(request), std::chrono::steady_clock::now() + timeout);
}

void client::close() {
  {
    std::lock_guard lock(impl_->life_mutex);
    if (!impl_->closed) {
      impl_->closed = true;
      // Posted after every request already posted: those start, then fail as stopped.
      asio::post(impl_->io, [s = impl_.get()] { s->shut_down(); });
      impl_->work.reset();
    }
  }
  // Not under life_mutex: a callback running meanwhile may call async_request.
  std::lock_guard lock(impl_->join_mutex);
  if (impl_->thread.joinable() && std::this_thread::get_id() != impl_->io_thread_id) impl_->thread.join();
}

}  // namespace regent::rpc

// The Asio side of rpc::server: acceptor, connections, io threads. Every Asio include of the
// server stays in this file (it compiles slowly).
#include "regent/rpc/server.hpp"

#include <array>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>

#include "asio_tls.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::rpc {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

/// Guards every way into the io_context from outside its threads: open while the server runs,
/// closed by `stop()` before the io threads are joined. Shared by the server and the sinks.
struct io_gate {
  std::mutex mutex;
  bool open = true;
};

std::string describe(const tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown peer";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

class connection;

/// The state of one running server: io_context, acceptor, connections, threads. Owned by
/// `server`; its members other than the registry and the gate are touched only by io threads
/// (or by `stop()` once they are joined).
struct server::impl {
  server_options options;
  handler on_request;
  std::shared_ptr<spdlog::logger> log = logging::get("rpc");
  asio::io_context io;
  std::unique_ptr<asio::ssl::context> tls;  // null: plain TCP
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::shared_ptr<io_gate> gate = std::make_shared<io_gate>();
  std::mutex connections_mutex;
  std::unordered_map<connection*, std::shared_ptr<connection>> connections;
  std::uint16_t port = 0;
  bool stopped = false;

  result<void> listen();
  void accept();
  void forget(connection* c) {
    std::lock_guard lock(connections_mutex);
    connections.erase(c);
  }
};

/// One accepted TCP connection: reads frames, calls the handler, writes responses in order.
/// With TLS, a handshake comes first; a peer that fails it (no certificate, one of another CA,
/// plain TCP) is closed before any frame is read. Owned by the server's registry and by its
/// pending handlers; runs on its own strand.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(server::impl& server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        decoder_(server.options.max_frame_bytes),
        peer_(describe(socket_)) {
    if (server.tls) tls_.emplace(socket_, *server.tls);
  }

  /// Starts the TLS handshake, if any, then reading, on the connection's strand (the socket's
  /// executor).
  void launch(std::shared_ptr<detail::reply_sink> sink) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), s = std::move(sink)]() mutable {
      self->sink_ = std::move(s);
      if (!self->tls_) return self->read();
      self->tls_->async_handshake(asio::ssl::stream_base::server, [self](boost::system::error_code ec) {
        if (self->closed_) return;
        if (ec) {
          self->server_.log->warn("TLS handshake with {} refused: {}", self->peer_, ec.message());
          return self->close();
        }
        self->server_.log->debug("TLS connection from {} ({})", self->peer_,
                                 tls::peer_subject(self->tls_->native_handle()));
        self->handshake_done_ = true;
        self->read();
        if (!self->out_.empty() && !self->writing_) self->write();
      });
    });
  }

  /// Queues a frame; on the connection's strand.
  void enqueue(std::string frame) {
    if (closed_) return;
    out_.push_back(std::move(frame));
    if (!writing_ && (!tls_ || handshake_done_)) write();
  }

  /// Posts a frame to the connection's strand; any thread (the gate holds the io_context).
  void post(std::string frame) {
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), f = std::move(frame)]() mutable { self->enqueue(std::move(f)); });
  }

  /// Closes the socket and leaves the registry. On the strand, or after the io threads stopped.
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_.forget(this);
  }

 private:
  void read() {
    auto on_read = [self = shared_from_this()](boost::system::error_code ec, std::size_t n) { self->on_read(ec, n); };
    if (tls_)
      tls_->async_read_some(asio::buffer(buffer_), std::move(on_read));
    else
      socket_.async_read_some(asio::buffer(buffer_), std::move(on_read));
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      if (ec != asio::error::eof && ec != asio::error::operation_aborted)
        server_.log->debug("connection from {} ended: {}", peer_, ec.message());
      close();
      return;
    }
    decoder_.feed(std::string_view(buffer_.data(), n));
    for (;;) {
      auto next = decoder_.next();
      if (!next) {
        server_.log->warn("closing connection from {}: {}", peer_, next.err().message);
        close();
        return;
      }
      if (!*next) break;
      dispatch(std::move(**next));
      if (closed_) return;
    }
    read();
  }

  void dispatch(envelope request) {
    if (request.is_response) {
      server_.log->warn("dropping a response (correlation id {}) sent to the server by {}", request.correlation_id,
                        peer_);
      return;
    }
    responder reply(sink_, request);
    try {
      server_.on_request(request, reply);
    } catch (const std::exception& e) {
      server_.log->error("handler of {} threw: {}", request.method, e.what());
      reply.fail(error(errc::handler_failed, std::string("handler threw: ") + e.what()));
    } catch (...) {
      server_.log->error("handler of {} threw a non-exception", request.method);
      reply.fail(error(errc::handler_failed, "handler threw"));
    }
  }

  void write() {
    writing_ = true;
    auto written = [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
      self->writing_ = false;
      if (self->closed_) return;
      if (ec) {
        self->server_.log->debug("write to {} failed: {}", self->peer_, ec.message());
        self->close();
        return;
      }
      self->out_.pop_front();
      if (!self->out_.empty()) self->write();
    };
    if (tls_)
      asio::async_write(*tls_, asio::buffer(out_.front()), std::move(written));
    else
      asio::async_write(socket_, asio::buffer(out_.front()), std::move(written));
  }

  server::impl& server_;
  tcp::socket socket_;
  std::optional<asio::ssl::stream<tcp::socket&>> tls_;  // over socket_; empty: plain TCP
  bool handshake_done_ = false;
  frame_decoder decoder_;
  std::string peer_;
  std::shared_ptr<detail::reply_sink> sink_;
  std::array<char, 16 * 1024> buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool closed_ = false;
};

namespace {

/// The reply path of one connection, held by its responders. Posts only while the gate is
/// open, so a late responder never touches a stopped server's io_context.
class connection_sink final : public detail::reply_sink {
 public:
  connection_sink(std::shared_ptr<io_gate> gate, std::weak_ptr<connection> conn, std::size_t max_frame_bytes)
      : gate_(std::move(gate)), conn_(std::move(conn)), max_frame_bytes_(max_frame_bytes) {}

  bool send(envelope response) override {
    std::string frame = encode_frame(response);
    if (frame.size() - 4 > max_frame_bytes_) {
      frame = encode_frame(make_error_reply(
          response,
          error(errc::frame_too_large, "response to " + response.method + " of " + std::to_string(frame.size() - 4) +
                                           " bytes is over the frame limit")));
    }
    std::lock_guard lock(gate_->mutex);
    if (!gate_->open) return false;
    // The connection is released inside the lock: if this is its last owner, it is destroyed
    // while the io_context still exists.
    auto conn = conn_.lock();
    if (!conn) return false;
    conn->post(std::move(frame));
    return true;
  }

 private:
  std::shared_ptr<io_gate> gate_;
  std::weak_ptr<connection> conn_;
  std::size_t max_frame_bytes_;
};

}  // namespace

result<void> server::impl::listen() {
  boost::system::error_code ec;
  std::string where = options.host + ":" + std::to_string(options.port);
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty())
    return error(errc::bind_failed, "cannot listen on " + where + ": " + (ec ? ec.message() : "no address"));
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  if (acceptor.open(endpoint.protocol(), ec) || acceptor.set_option(tcp::acceptor::reuse_address(true), ec) ||
      acceptor.bind(endpoint, ec) || acceptor.listen(asio::socket_base::max_listen_connections, ec))
    return error(errc::bind_failed, "cannot listen on " + where + ": " + ec.message());
  port = acceptor.local_endpoint(ec).port();
  if (ec) return error(errc::bind_failed, "cannot listen on " + where + ": " + ec.message());
  return ok();
}

void server::impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // e.g. out of file descriptors: retry shortly instead of spinning.
      log->warn("accept on port {} failed: {}", port, ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](boost::system::error_code e) {
        if (!e) accept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto conn = std::make_shared<connection>(*this, std::move(socket));
    {
      std::lock_guard lock(connections_mutex);
      connections.emplace(conn.get(), conn);
    }
    conn->launch(std::make_shared<connection_sink>(gate, conn, options.max_frame_bytes));
    accept();
  });
}

result<std::unique_ptr<server>> server::start(server_options options, handler on_request) {
  auto state = std::make_unique<impl>();
  state->options = std::move(options);
  state->on_request = std::move(on_request);
  state->tls = detail::asio_context(state->options.tls);
  if (state->options.io_threads == 0) state->options.io_threads = 1;
  try {
    if (auto r = state->listen(); !r) return std::move(r).err();
    state->work.emplace(state->io.get_executor());
    state->accept();
    for (std::size_t i = 0; i < state->options.io_threads; ++i)
      state->threads.emplace_back([s = state.get()] { s->io.run(); });
  } catch (const std::exception& e) {
    auto where = state->options.host + ":" + std::to_string(state->options.port);
    std::unique_ptr<server> cleanup(new server(std::move(state)));  // stops what started
    return error(errc::bind_failed, "cannot start the server on " + where + ": " + e.what());
  }
  state->log->info("rpc server listening on {}:{}{}", state->options.host, state->port,
                   !state->tls                                       ? ""
                   : state->options.tls->peer_certificate_required() ? " (TLS, mutual authentication)"
                                                                     : " (TLS)");
  return std::unique_ptr<server>(new server(std::move(state)));
}

server::server(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}

server::~server() { stop(); }

std::uint16_t server::port() const { return impl_->port; }

void server::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  {
    std::lock_guard lock(impl_->gate->mutex);
    impl_->gate->open = false;
  }
  impl_->work.reset();
  impl_->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // No io thread runs now: close everything from here, then let the aborted handlers finish
  // so every connection is released before the io_context goes.
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->accept_retry.cancel();
  std::unordered_map<connection*, std::shared_ptr<connection>> open;
  {
    std::lock_guard lock(impl_->connections_mutex);
    open.swap(impl_->connections);
  }
  for (auto& [ptr, conn] : open) conn->close();
  open.clear();
  impl_->io.restart();
  impl_->io.run();
  impl_->log->info("rpc server on port {} stopped", impl_->port);
}

}  // namespace regent::rpc

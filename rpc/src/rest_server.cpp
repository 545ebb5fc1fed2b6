/// The REST API's HTTP layer (Boost.Beast): an asynchronous server on one io thread and a
/// blocking client (request parsing: http_parse.cpp). Costly to compile: Asio, Beast, TLS streams.

#include "regent/rpc/rest_server.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "asio_tls.hpp"
#include "http_parse.hpp"
#include "regent/rpc/errc.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct rest_server::impl : std::enable_shared_from_this<rest_server::impl> {
  rest_server_options options;
  rest_handler handler;
  net::io_context io{1};
  std::unique_ptr<net::ssl::context> tls;  // null: plain HTTP
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<bool> stopped{false};

  void accept();
};

namespace {

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

/// One connection: (with TLS, the handshake under the deadline,) read a request (under the
/// deadline), hand it to the handler, write the answer, repeat while keep-alive. Holds the
/// server's impl so the io_context outlives it. `Stream`: beast::tcp_stream or tls_stream.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
 public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  session(tcp::socket socket, std::shared_ptr<rest_server::impl> server)
      : stream_(make_stream(std::move(socket), *server)), server_(std::move(server)) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (is_tls) {
        beast::get_lowest_layer(self->stream_).expires_after(self->server_->options.request_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            logging::get("rpc")->warn("REST: TLS handshake with {} refused: {}", self->peer(), ec.message());
            return self->close();
          }
          self->read();
        });
      } else {
        self->read();
      }
    });
  }

 private:
  static Stream make_stream(tcp::socket socket, rest_server::impl& server) {
    if constexpr (is_tls)
      return Stream(std::move(socket), *server.tls);
    else
      return Stream(std::move(socket));
  }

  std::string peer() {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    return ec ? std::string("unknown peer") : ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(server_->options.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof || ec == net::ssl::error::stream_truncated)
      return close();
    if (is_tls && ec.category() == net::error::get_ssl_category()) return close();
    if (ec) return write(refusal(ec, server_->options.max_body_bytes), false);
    auto req = parser_->release();
    const bool keep_alive = req.keep_alive();
    http_request r = to_plain(req);
    if (r.method == "OPTIONS" && !server_->options.allow_origin.empty())  // a browser's CORS preflight
      return write(http_response{204, "", ""}, keep_alive);
    auto self = this->shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto respond = [self, keep_alive, answered](http_response answer) {
      if (answered->exchange(true)) return;  // one answer per request
      net::post(self->stream_.get_executor(), [self, keep_alive, answer = std::move(answer)]() mutable {
        self->write(std::move(answer), keep_alive);
      });
    };
    // A handler that throws answers 500 and the server goes on, as the RPC server does.
    const std::string what = r.method + " " + r.target;
    try {
      server_->handler(std::move(r), respond);
    } catch (const std::exception& e) {
      logging::get("rpc")->error("REST handler of {} threw: {}", what, e.what());
      respond(error_response(500, std::string("the handler of this request failed: ") + e.what()));
    } catch (...) {
      logging::get("rpc")->error("REST handler of {} threw a non-exception", what);
      respond(error_response(500, "the handler of this request failed"));
    }
  }

  void write(http_response answer, bool keep_alive) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::server, "regent");
    if (!answer.content_type.empty()) response_.set(http::field::content_type, answer.content_type);
    if (!server_->options.allow_origin.empty()) {
      response_.set(http::field::access_control_allow_origin, server_->options.allow_origin);
      response_.set(http::field::access_control_allow_methods, "GET, POST, PATCH, DELETE, OPTIONS");
      response_.set(http::field::access_control_allow_headers, "Content-Type");
    }
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->options.request_timeout);
    http::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!self->response_.keep_alive()) return self->drain();
      self->read();
    });
  }

  // After an answer that ends the connection: stop sending, then read and drop what the peer
  // still sends (e.g. the rest of a refused body) until it closes or the deadline, so closing
  // with unread bytes does not reset the connection before the peer has read the answer.
  void drain() {
    beast::error_code ignored;
    if constexpr (is_tls) return close();  // a TLS stream cannot half-close; the answer is out
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.async_read_some(net::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::array<char, 16384> discard_{};
  std::shared_ptr<rest_server::impl> server_;
};

}  // namespace

void rest_server::impl::accept() {
  acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      if (self->tls)
        std::make_shared<session<tls_stream>>(std::move(socket), self)->start();
      else
        std::make_shared<session<beast::tcp_stream>>(std::move(socket), self)->start();
    }
    self->accept();
  });
}

result<std::unique_ptr<rest_server>> rest_server::start(rest_server_options options, rest_handler handler) {
  auto d = std::make_shared<impl>();
  d->options = std::move(options);
  d->handler = std::move(handler);
  d->tls = detail::asio_context(d->options.tls);
  beast::error_code ec;
  auto address = net::ip::make_address(d->options.host, ec);
  if (ec) {
    tcp::resolver resolver(d->io);
    auto found = resolver.resolve(d->options.host, std::to_string(d->options.port), ec);
    if (ec || found.empty())
      return error{errc::bind_failed, "cannot resolve rest.address " + d->options.host + ": " + ec.message()};
    address = found.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, d->options.port);
  d->acceptor.open(endpoint.protocol(), ec);
  if (!ec) d->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) d->acceptor.bind(endpoint, ec);
  if (!ec) d->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return error{errc::bind_failed,
                 "cannot listen on " + d->options.host + ":" + std::to_string(d->options.port) + ": " + ec.message()};
  d->accept();
  d->thread = std::thread([d = d.get()] { d->io.run(); });
  return std::unique_ptr<rest_server>(new rest_server(std::move(d)));
}

rest_server::rest_server(std::shared_ptr<impl> impl) : impl_(std::move(impl)) {}

rest_server::~rest_server() { stop(); }

std::uint16_t rest_server::port() const { return impl_->acceptor.local_endpoint().port(); }

void rest_server::stop() {
  if (impl_->stopped.exchange(true)) return;
  net::post(impl_->io, [d = impl_.get()] {
    beast::error_code ignored;
    d->acceptor.close(ignored);
  });
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

namespace {

/// One request over a fresh connection of `stream` (plain or TLS), driven by `io`.
template <class Stream>
result<http_response> call_over(net::io_context& io, Stream& stream, const std::string& host, std::uint16_t port,
                                const http_request& request, std::chrono::milliseconds timeout) {
  constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;
  const std::string where = host + ":" + std::to_string(port);
  tcp::resolver resolver(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1024u * 1024u * 1024u);
  beast::error_code failure;
  const char* stage = "connect to";

  req.version(11);
  req.method_string(request.method);
  req.target(request.target);
  req.set(http::field::host, where);
  req.set(http::field::user_agent, "regent");
  if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
  req.body() = request.body;
  req.keep_alive(false);
  req.prepare_payload();

  auto send = [&] {
    stage = "send to";
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return (void)(failure = ec);
      stage = "read from";
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        if (ec) failure = ec;
      });
    });
  };
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  resolver.async_resolve(host, std::to_string(port), [&](beast::error_code ec, tcp::resolver::results_type found) {
    if (ec) return (void)(failure = ec);
    lowest.async_connect(found, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return (void)(failure = ec);
      if constexpr (is_tls) {
        stage = "complete a TLS handshake with";
        stream.async_handshake(net::ssl::stream_base::client, [&](beast::error_code ec) {
          if (ec) return (void)(failure = ec);
          send();
        });
      } else {
        send();
      }
    });
  });
  io.run();
  if (failure) {
    // Before the request went out nothing happened at the server; after, it may have been
    // handled (the caller must not assume either way: an uncertain outcome).
    const std::string_view at(stage);
    const bool sent = at == "send to" || at == "read from";
    const errc code = !sent                              ? errc::connect_failed
                      : failure == beast::error::timeout ? errc::timeout
                                                         : errc::disconnected;
    std::string hint;
    if (is_tls && (!sent || failure.category() == net::error::get_ssl_category()))
      hint = " (does the server speak TLS, and does it accept this client's certificate? see security.ssl.rest.*)";
    else if (!is_tls && at == "read from" && failure == http::error::end_of_stream)
      hint = " (if the cluster serves HTTPS, set security.ssl.rest.* in this client's configuration)";
    return error{code, std::string("cannot ") + stage + " " + where + ": " + failure.message() + hint};
  }
  auto res = parser.release();
  http_response out;
  out.status = static_cast<int>(res.result_int());
  out.content_type = std::string(res[http::field::content_type]);
  out.body = std::move(res.body());
  return out;
}

}  // namespace

result<http_response> http_call(const std::string& host, std::uint16_t port, const http_request& request,
                                std::chrono::milliseconds timeout, const tls::context_ptr& tls) {
  net::io_context io{1};
  if (!tls) {
    beast::tcp_stream stream(io);
    return call_over(io, stream, host, port, request, timeout);
  }
  auto ctx = detail::asio_context(tls);
  tls_stream stream(io, *ctx);
  return call_over(io, stream, host, port, request, timeout);
}

}  // namespace regent::rpc

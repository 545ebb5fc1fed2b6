// The one translation unit of the `kubernetes` backend that includes Beast and OpenSSL: HTTPS
// requests to the API server over a small pool of kept-alive TLS connections, each with an
// io_context of its own, driven by the calling thread (so timeouts are real: every operation
// runs under `tcp_stream::expires_after`).

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "api_transport.hpp"
#include "regent/ha/errc.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent::ha::kubernetes {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

error unavailable(const std::string& what) { return error{errc::unavailable, "Kubernetes API: " + what}; }

/// The bearer token: fixed, or read from a file and re-read when its mtime or size changes
/// (service-account tokens are rotated by the kubelet).
class token_source {
 public:
  token_source(std::string token, std::string file) : token_(std::move(token)), file_(std::move(file)) {}

  result<std::string> get() {
    if (file_.empty()) return token_;
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0)
      return error{errc::unavailable, "Kubernetes API: cannot read the token file " + file_};
    std::lock_guard<std::mutex> lock(mu_);
    if (st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec || st.st_size != size_) {
      std::ifstream in(file_);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in) return error{errc::unavailable, "Kubernetes API: cannot read the token file " + file_};
      std::string t = ss.str();
      while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
      token_ = t;
      mtime_ = st.st_mtim;
      size_ = st.st_size;
    }
    return token_;
  }

 private:
  std::mutex mu_;
  std::string token_;
  std::string file_;
  timespec mtime_{};
  off_t size_ = -1;
};

/// One TLS connection with its own io_context.
struct connection {
  asio::io_context ioc;
  ssl::stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  explicit connection(ssl::context& ctx) : stream(ioc, ctx) {}
};

/// Runs the connection's io_context until the operation started by `start` completes; the
/// operation's own expiry bounds it. `keep_going` (optional) is polled every `poll`.
template <class Start>
beast::error_code run_op(connection& c, Start start, const std::function<bool()>* keep_going = nullptr,
                         std::chrono::milliseconds poll = std::chrono::milliseconds(200)) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  c.ioc.restart();
  while (result == asio::error::would_block) {
    if (keep_going == nullptr) {
      c.ioc.run();
      break;
    }
    c.ioc.run_for(poll);
    if (result == asio::error::would_block && !(*keep_going)()) {
      beast::get_lowest_layer(c.stream).cancel();
      c.ioc.restart();
      c.ioc.run();
      return asio::error::operation_aborted;
    }
  }
  return result;
}

class beast_transport final : public api_transport {
 public:
  beast_transport(api_endpoint ep, ssl::context ctx)
      : ep_(std::move(ep)), ctx_(std::move(ctx)), token_(ep_.token, ep_.token_file) {}

  result<http_response> send(const http_request& req, std::chrono::milliseconds timeout) override {
    auto conn = take();
    const bool fresh = !conn;
    if (!conn) {
      auto opened = open(timeout);
      if (!opened) return std::move(opened).err();
      conn = std::move(*opened);
    }
    auto r = exchange(*conn, req, timeout, fresh);
    if (r && r->keep_alive) give_back(std::move(conn));
    if (!r) return std::move(r).err();
    if (r->response.status == 401)
      return unavailable(req.method + " " + req.target + ": 401 Unauthorized: the API server does not accept the " +
                         credentials() + " of " + ep_.origin);
    return std::move(r->response);
  }

  result<http_response> stream(const http_request& req, const std::function<bool(std::string_view)>& on_line,
                               const std::function<bool()>& keep_going, std::chrono::milliseconds poll) override {
    auto opened = open(std::chrono::seconds(10));
    if (!opened) return std::move(opened).err();
    auto& c = **opened;
    auto msg = make_request(req);
    if (!msg) return std::move(msg).err();
    beast::get_lowest_layer(c.stream).expires_after(std::chrono::seconds(10));
    if (auto ec = run_op(
            c, [&](auto h) { http::async_write(c.stream, *msg, h); }, &keep_going, poll))
      return unavailable("watch " + req.target + ": " + ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    beast::get_lowest_layer(c.stream).expires_never();
    if (auto ec = run_op(
            c, [&](auto h) { http::async_read_header(c.stream, c.buffer, parser, h); }, &keep_going, poll))
      return unavailable("watch " + req.target + ": " + ec.message());
    http_response out;
    out.status = static_cast<int>(parser.get().result_int());
    if (out.status != 200) {
      beast::get_lowest_layer(c.stream).expires_after(std::chrono::seconds(10));
      if (auto ec = run_op(c, [&](auto h) { http::async_read(c.stream, c.buffer, parser, h); }))
        return unavailable("watch " + req.target + ": " + ec.message());
      out.body = parser.get().body();
      return out;
    }
    std::string pending;
    bool more = true;
    auto on_chunk = [&](std::uint64_t, beast::string_view body, beast::error_code&) -> std::size_t {
      pending.append(body.data(), body.size());
      for (auto nl = pending.find('\n'); more && nl != std::string::npos; nl = pending.find('\n')) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (!line.empty() && !on_line(line)) more = false;
      }
      return body.size();
    };
    parser.on_chunk_body(on_chunk);
    while (more && !parser.is_done()) {
      auto ec = run_op(
          c, [&](auto h) { http::async_read_some(c.stream, c.buffer, parser, h); }, &keep_going, poll);
      if (ec == asio::error::operation_aborted) break;
      if (ec) return unavailable("watch " + req.target + " ended: " + ec.message());
    }
    return out;
  }

 private:
  struct exchanged {
    http_response response;
    bool keep_alive = false;
  };

  std::unique_ptr<connection> take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return nullptr;
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  void give_back(std::unique_ptr<connection> c) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < 8) idle_.push_back(std::move(c));
  }

  result<std::unique_ptr<connection>> open(std::chrono::milliseconds timeout) {
    auto c = std::make_unique<connection>(ctx_);
    SSL* ssl_handle = c->stream.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    boost::system::error_code addr_ec;
    asio::ip::make_address(ep_.host, addr_ec);
    if (!addr_ec) {
      X509_VERIFY_PARAM_set1_ip_asc(param, ep_.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, ep_.host.c_str(), 0);
      SSL_set_tlsext_host_name(ssl_handle, ep_.host.c_str());
    }
    tcp::resolver resolver(c->ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(ep_.host, ep_.port, ec);
    if (ec) return unavailable("cannot resolve " + ep_.host + ": " + ec.message());
    auto& lowest = beast::get_lowest_layer(c->stream);
    lowest.expires_after(timeout);
    if (auto e = run_op(*c, [&](auto h) { lowest.async_connect(endpoints, h); }))
      return unavailable("cannot connect to " + ep_.host + ":" + ep_.port + ": " + e.message());
    lowest.socket().set_option(tcp::no_delay(true), ec);  // small requests: no Nagle delay
    lowest.expires_after(timeout);
    if (auto e = run_op(*c, [&](auto h) { c->stream.async_handshake(ssl::stream_base::client, h); }))
      return unavailable("TLS handshake with " + ep_.host + ":" + ep_.port + " failed: " + e.message() + refused(e, false));
    return c;
  }

  std::string credentials() const {
    return ep_.client_cert_pem.empty() ? std::string("bearer token") : std::string("client certificate");
  }

  /// With TLS 1.3 a server that refuses our client certificate says so with an alert on the
  /// first read after the handshake — or, when the connection is reset before the alert is read,
  /// only by breaking the first exchange of a fresh connection: name where the certificate came from.
  std::string refused(const beast::error_code& ec, bool fresh = true) const {
    if (ep_.client_cert_pem.empty()) return {};
    if (ec.message().find("alert") != std::string::npos)
      return " — the API server refused the client certificate of " + ep_.origin;
    if (fresh) return " — the API server may have refused the client certificate of " + ep_.origin;
    return {};
  }

  result<http::request<http::string_body>> make_request(const http_request& req) {
    auto token = token_.get();
    if (!token) return std::move(token).err();
    http::request<http::string_body> msg{http::string_to_verb(req.method), req.target, 11};
    msg.set(http::field::host, ep_.host);
    msg.set(http::field::user_agent, "regent");
    msg.set(http::field::accept, "application/json");
    if (!token->empty()) msg.set(http::field::authorization, "Bearer " + *token);
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      msg.set(http::field::content_type, req.content_type);
      msg.body() = req.body;
    }
    msg.keep_alive(true);
    msg.prepare_payload();
    return msg;
  }

  result<exchanged> exchange(connection& c, const http_request& req, std::chrono::milliseconds timeout, bool fresh) {
    auto msg = make_request(req);
    if (!msg) return std::move(msg).err();
    auto& lowest = beast::get_lowest_layer(c.stream);
    lowest.expires_after(timeout);
    if (auto ec = run_op(c, [&](auto h) { http::async_write(c.stream, *msg, h); }))
      return unavailable(req.method + " " + req.target + ": " + ec.message() + refused(ec, fresh));
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (auto ec = run_op(c, [&](auto h) { http::async_read(c.stream, c.buffer, parser, h); }))
      return unavailable(req.method + " " + req.target + ": no answer (" + ec.message() + ")" + refused(ec, fresh));
    auto& res = parser.get();
    exchanged out;
    out.response.status = static_cast<int>(res.result_int());
    out.response.body = std::move(res.body());
    out.keep_alive = res.keep_alive();
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      try {
        out.response.retry_after = std::chrono::seconds(std::stoi(std::string(it->value())));
      } catch (const std::exception&) {
      }
    }
    return out;
  }

  api_endpoint ep_;
  ssl::context ctx_;
  token_source token_;
  std::mutex mu_;
  std::vector<std::unique_ptr<connection>> idle_;
};

}  // namespace

result<std::unique_ptr<api_transport>> make_beast_transport(const api_endpoint& ep) {
  // The shared builder (regent_tls) reads the kubeconfig's PEM data; Asio gets its own
  // reference to the SSL_CTX.
  auto built = tls::build_client({ep.ca_pem, ep.client_cert_pem, ep.client_key_pem, ep.origin});
  if (!built) return error{errc::invalid_argument, built.err().message};
  SSL_CTX_up_ref((*built)->native());
  ssl::context ctx((*built)->native());
  return std::unique_ptr<api_transport>(std::make_unique<beast_transport>(ep, std::move(ctx)));
}

}  // namespace regent::ha::kubernetes

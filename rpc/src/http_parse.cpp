/// The REST API's request parsing (Boost.Beast's HTTP parser, no sockets): what the server
/// does with a connection's bytes, and `parse_http_request` for tests and fuzzing. Kept out of
/// rest_server.cpp (the server and client, with Asio and TLS streams) so the parsing builds
/// on its own (the fuzz preset builds only this part of the REST layer).

#include "http_parse.hpp"

#include <cstdio>

#include "regent/rpc/errc.hpp"

namespace regent::rpc {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

http_response error_response(int status, const std::string& message) {
  return http_response{status, "application/json; charset=UTF-8", "{\"errors\":[" + json_string(message) + "]}"};
}

/// What the handler sees of a parsed request.
http_request to_plain(http::request<http::string_body>& req) {
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.content_type = std::string(req[http::field::content_type]);
  r.body = std::move(req.body());
  return r;
}

/// The answer to a request the parser refused.
http_response refusal(const beast::error_code& ec, std::size_t max_body_bytes) {
  if (ec == http::error::body_limit)
    return error_response(413, "request body is larger than rest.server.max-content-length (" +
                                   std::to_string(max_body_bytes) + " bytes)");
  return error_response(400, "bad HTTP request: " + ec.message());
}

result<parsed_http_request> parse_http_request(std::string_view wire, std::size_t max_body_bytes) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  std::size_t used = 0;
  while (!ec && !parser.is_done()) {
    const std::size_t n = parser.put(net::buffer(wire.data() + used, wire.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) ec = {};
    if (!ec && !parser.is_done() && n == 0) {
      // All bytes are in: the request ends here, or is cut short (put_eof wants some bytes).
      if (parser.got_some()) parser.put_eof(ec);
      if (!ec && !parser.is_done()) ec = http::error::partial_message;
    }
  }
  if (ec) {
    auto answer = refusal(ec, max_body_bytes);
    return error{errc::malformed_frame, std::to_string(answer.status) + " " + answer.body};
  }
  auto req = parser.release();
  parsed_http_request out;
  out.keep_alive = req.keep_alive();
  out.request = to_plain(req);
  out.consumed = used;
  return out;
}

}  // namespace regent::rpc

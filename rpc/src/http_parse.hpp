#pragma once
/// Inside regent_rpc: the HTTP parsing that the REST server and `parse_http_request` share
/// (http_parse.cpp). Beast's HTTP headers only, no Asio sockets.

#include <cstddef>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

#include "regent/rpc/rest_server.hpp"

namespace regent::rpc {

/// What the handler sees of a parsed request.
http_request to_plain(boost::beast::http::request<boost::beast::http::string_body>& req);

/// The answer to a request the parser refused (413 over the body limit, 400 otherwise).
http_response refusal(const boost::beast::error_code& ec, std::size_t max_body_bytes);

}  // namespace regent::rpc

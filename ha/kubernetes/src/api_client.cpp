#include "api_client.hpp"

#include <thread>

#include "kube_objects.hpp"

namespace regent::ha::kubernetes {

std::string api_reply::reason() const {
  if (string_field(body, "kind") == "Status") return string_field(body, "reason");
  return {};
}

std::string api_reply::describe() const {
  std::string out = std::to_string(status);
  if (string_field(body, "kind") == "Status") {
    out += " " + string_field(body, "reason");
    out += ": " + string_field(body, "message");
  }
  return out;
}

api_client::api_client(std::unique_ptr<api_transport> transport, std::string ns, std::chrono::milliseconds timeout,
                       int max_429_retries)
    : transport_(std::move(transport)), ns_(std::move(ns)), timeout_(timeout), max_429_retries_(max_429_retries) {}

result<api_reply> api_client::call(const std::string& method, const std::string& path, const json* body,
                                   const std::string& content_type) {
  http_request req;
  req.method = method;
  req.target = path;
  req.content_type = content_type;
  if (body != nullptr) req.body = body->dump();
  for (int attempt = 0;; ++attempt) {
    auto res = transport_->send(req, timeout_);
    answering_.store(res.ok(), std::memory_order_relaxed);
    if (!res) return std::move(res).err();
    api_reply reply;
    reply.status = res->status;
    reply.body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (reply.body.is_discarded()) reply.body = nullptr;
    if (reply.status == 429 && attempt < max_429_retries_) {
      auto wait = res->retry_after.value_or(std::chrono::milliseconds(100));
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(wait, std::chrono::seconds(2)));
      continue;
    }
    return reply;
  }
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace regent::ha::kubernetes

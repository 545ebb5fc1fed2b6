#include "regent/rpc/envelope.hpp"

#include "regent/rpc/errc.hpp"
#include "regent/runtime/errc_category.hpp"

namespace regent::rpc {

envelope make_request(std::string method, fencing_token token, std::string payload) {
  envelope e;
  e.method = std::move(method);
  e.token = std::move(token);
  e.payload = std::move(payload);
  return e;
}

envelope make_reply(const envelope& request, std::string payload) {
  envelope e;
  e.correlation_id = request.correlation_id;
  e.method = request.method;
  e.payload = std::move(payload);
  e.is_response = true;
  return e;
}

envelope make_error_reply(const envelope& request, const error& err) {
  envelope e = make_reply(request, {});
  const bool ours = err.code.category() == category();
  e.error = wire_error{err.code.value(), err.message, ours ? std::string() : std::string(err.code.category().name())};
  return e;
}

result<envelope> to_result(envelope response) {
  if (!response.error) return response;
  const auto& w = *response.error;
  const std::error_category& cat = w.category.empty() ? category() : category_named(w.category);
  return error(std::error_code(w.code, cat), w.message);
}

}  // namespace regent::rpc

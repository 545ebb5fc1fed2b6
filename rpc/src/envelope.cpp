#include "regent/rpc/envelope.hpp"

#include "regent/rpc/errc.hpp"

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
  wire_error w;
  if (err.code.category() == category()) {
    w.code = err.code.value();
    w.message = err.message;
  } else {
    w.code = static_cast<std::int32_t>(errc::handler_failed);
    w.message = std::string(err.code.category().name()) + ": " + err.message;
  }
  e.error = std::move(w);
  return e;
}

result<envelope> to_result(envelope response) {
  if (!response.error) return response;
  return error(std::error_code(response.error->code, category()), response.error->message);
}

}  // namespace regent::rpc

#include "regent/programs/tls_wiring.hpp"

namespace regent::programs {

result<tls_contexts> make_tls_contexts(const config::settings& s, tls_needs needs) {
  tls_contexts out;
  auto build = [](const config::ssl_settings& ssl, tls::side side, tls::context_ptr& into) -> result<void> {
    auto ctx = tls::build(ssl, side);
    if (!ctx) return std::move(ctx).err();
    into = std::move(*ctx);
    return ok();
  };
  if (needs.internal && s.ssl_internal.enabled) {
    if (auto r = build(s.ssl_internal, tls::side::server, out.internal_server); !r) return std::move(r).err();
    if (auto r = build(s.ssl_internal, tls::side::client, out.internal_client); !r) return std::move(r).err();
  }
  if (needs.rest_server && s.ssl_rest.enabled)
    if (auto r = build(s.ssl_rest, tls::side::server, out.rest_server); !r) return std::move(r).err();
  if (needs.rest_client && s.ssl_rest.enabled)
    if (auto r = build(s.ssl_rest, tls::side::client, out.rest_client); !r) return std::move(r).err();
  return out;
}

}  // namespace regent::programs

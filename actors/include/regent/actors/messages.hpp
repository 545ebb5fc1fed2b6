#pragma once
/// Message vocabulary of Regent's actors: atoms, and `inspect` overloads for the plain structs
/// that travel in messages. Protobuf types never appear here (they stop at rpc/).

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include "regent/runtime/ids.hpp"

namespace regent::actors {

using grant_atom = caf::atom_constant<caf::atom("grant")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

}  // namespace regent::actors

namespace regent {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fencing_token& x) {
  return f(caf::meta::type_name("regent::fencing_token"), x.epoch, x.session_id);
}

}  // namespace regent

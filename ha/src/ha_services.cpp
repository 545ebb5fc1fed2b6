#include "regent/ha/ha_services.hpp"

namespace regent::ha {

const char* to_string(connection_state s) {
  switch (s) {
    case connection_state::connected:
      return "connected";
    case connection_state::suspended:
      return "suspended";
    case connection_state::lost:
      return "lost";
  }
  return "unknown";
}

}  // namespace regent::ha

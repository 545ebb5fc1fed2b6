#include "regent/runtime/clock.hpp"

namespace regent {

std::int64_t system_clock::wall_millis() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

system_clock& system_clock::instance() {
  static system_clock c;
  return c;
}

}  // namespace regent

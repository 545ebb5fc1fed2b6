#pragma once
/// Process wiring: the only place that names concrete HA backends. Builds the ha_services the
/// configuration asks for.

#include <memory>

#include "regent/config/settings.hpp"
#include "regent/ha/ha_services.hpp"
#include "regent/runtime/result.hpp"

namespace regent::programs {

result<std::unique_ptr<ha::ha_services>> make_ha_services(const config::settings& s);

}  // namespace regent::programs

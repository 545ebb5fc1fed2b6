#include "regent/programs/web_assets.hpp"

namespace regent::programs {

const web_asset* find_web_asset(std::string_view name) {
  if (name.empty()) name = "index.html";
  for (const auto& a : web_assets())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace regent::programs

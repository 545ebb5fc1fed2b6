#include "regent/ha/leader_info_json.hpp"

#include <nlohmann/json.hpp>

#include "regent/ha/errc.hpp"

namespace regent::ha {

std::string to_json(const leader_info& info) {
  nlohmann::json j = {{"rpc-address", info.rpc_address},
                      {"rest-url", info.rest_url},
                      {"epoch", info.token.epoch},
                      {"session-id", info.token.session_id},
                      {"since", info.since_ms}};
  return j.dump();
}

result<leader_info> leader_info_from_json(const std::string& text, const std::string& source) {
  try {
    auto j = nlohmann::json::parse(text);
    leader_info info;
    info.rpc_address = j.at("rpc-address").get<std::string>();
    info.rest_url = j.at("rest-url").get<std::string>();
    info.token.epoch = j.at("epoch").get<std::uint64_t>();
    info.token.session_id = j.at("session-id").get<std::string>();
    info.since_ms = j.at("since").get<std::int64_t>();
    if (!info.token.valid()) return error{errc::corrupt, "invalid leader info in " + source + ": no epoch or session"};
    return info;
  } catch (const std::exception& e) {
    return error{errc::corrupt, "invalid leader info in " + source + ": " + e.what()};
  }
}

}  // namespace regent::ha

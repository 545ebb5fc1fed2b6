#include "regent/ha/leader_info_json.hpp"

#include <limits>

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
    // Numbers are checked before they are read: nlohmann's get<> converts a float or a
    // negative number silently (an epoch -1 read as 2^64-1; a float out of range is UB).
    const auto& epoch = j.at("epoch");
    if (!epoch.is_number_unsigned())
      return error{errc::corrupt, "invalid leader info in " + source + ": epoch " + epoch.dump() +
                                      " is not a non-negative whole number"};
    info.token.epoch = epoch.get<std::uint64_t>();
    info.token.session_id = j.at("session-id").get<std::string>();
    const auto& since = j.at("since");
    if (!since.is_number_integer() ||
        (since.is_number_unsigned() &&
         since.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())))
      return error{errc::corrupt, "invalid leader info in " + source + ": since " + since.dump() +
                                      " is not a time in milliseconds"};
    info.since_ms = since.get<std::int64_t>();
    if (!info.token.valid()) return error{errc::corrupt, "invalid leader info in " + source + ": no epoch or session"};
    return info;
  } catch (const std::exception& e) {
    return error{errc::corrupt, "invalid leader info in " + source + ": " + e.what()};
  }
}

}  // namespace regent::ha

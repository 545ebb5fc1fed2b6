#pragma once
/// The stored form of leader info, shared by every backend that writes it as bytes:
/// {"rpc-address","rest-url","epoch","session-id","since"}.

#include <string>

#include "regent/ha/leader_election.hpp"

namespace regent::ha {

std::string to_json(const leader_info& info);
/// errc::corrupt naming `source` when the text is not a leader info.
result<leader_info> leader_info_from_json(const std::string& text, const std::string& source);

}  // namespace regent::ha

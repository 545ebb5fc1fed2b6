#include "regent/runtime/ids.hpp"

#include <cctype>

namespace regent {

namespace {
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
}  // namespace

std::optional<job_id> job_id::parse(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  std::string hex;
  hex.reserve(32);
  for (char c : text) {
    if (!is_hex(c)) return std::nullopt;
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return job_id(std::move(hex));
}

std::string fencing_token::to_string() const { return "epoch=" + std::to_string(epoch) + " session=" + session_id; }

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !(is_hex(text[i]) && !std::isupper(static_cast<unsigned char>(text[i])))) return false;
  }
  return true;
}

}  // namespace regent

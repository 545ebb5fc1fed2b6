// valid_blob_key: the one rule every blob store applies before a key touches a path.

#include "regent/ha/stores.hpp"

#include "regent/ha/storage/file_io.hpp"

namespace regent::ha {

namespace {

/// Longest key. With posix_file_io's temp name (".tmp-" + key + "-" + 12 hex) a key still fits
/// in NAME_MAX (255).
constexpr std::size_t max_blob_key_length = 200;

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

bool valid_blob_key(const std::string& key) {
  if (key.empty() || key.size() > max_blob_key_length) return false;
  if (key == "." || key == "..") return false;
  // A key shaped like file_io's temp names would be invisible to `list` on disk and could
  // collide with another key's temp file, so it is not a key.
  if (storage::is_temp_name(key)) return false;
  for (char c : key)
    if (!key_char(c)) return false;
  return true;
}

}  // namespace regent::ha

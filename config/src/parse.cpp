// Flink's value forms: durations (TimeUtils.parseDuration), memory sizes (MemorySize.parse) and
// booleans. The messages describe the form; callers prefix the key and where the value came from.
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

#include "internal.hpp"

namespace regent::config {

namespace detail {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  auto first = s.find_first_not_of(ws);
  if (first == std::string_view::npos) return {};
  auto last = s.find_last_not_of(ws);
  return s.substr(first, last - first + 1);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace detail

namespace {

using detail::to_lower;
using detail::trim;

error malformed(std::string message) { return {errc::malformed, std::move(message)}; }

/// A number followed by an optional unit, split as Flink does: leading digits, then the rest.
struct number_and_unit {
  std::uint64_t number = 0;
  std::string unit;  ///< trimmed, lower case
};

/// `what` names the form in messages ("duration", "size").
result<number_and_unit> split(std::string_view text, const std::string& what, const std::string& expected) {
  auto t = trim(text);
  auto quoted = "'" + std::string(text) + "'";
  if (t.empty()) return malformed("an empty value is not a " + what + " (" + expected + ")");
  if (t.front() == '-') return malformed(quoted + " is negative; a " + what + " must be >= 0");
  std::size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits == 0) return malformed(quoted + " is not a " + what + " (" + expected + ")");
  number_and_unit out;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + digits, out.number);
  if (ec != std::errc()) return malformed(quoted + " is too large for a " + what);
  out.unit = to_lower(trim(t.substr(digits)));
  return out;
}

/// A unit with its length in milliseconds, or (for ns and us) the divisor to milliseconds.
struct unit_factor {
  const char* label;
  std::uint64_t to_ms;       ///< 0 when `per_ms` applies
  std::uint64_t per_ms = 0;  ///< units per millisecond
};

// Flink's labels, each also with an 's' appended where Flink allows the plural.
constexpr unit_factor duration_units[] = {
    {"ns", 0, 1000000},
    {"nano", 0, 1000000},
    {"nanos", 0, 1000000},
    {"nanosecond", 0, 1000000},
    {"nanoseconds", 0, 1000000},
    {"us", 0, 1000},
    {"\xC2\xB5s", 0, 1000},
    {"micro", 0, 1000},
    {"micros", 0, 1000},
    {"microsecond", 0, 1000},
    {"microseconds", 0, 1000},
    {"ms", 1},
    {"milli", 1},
    {"millis", 1},
    {"millisecond", 1},
    {"milliseconds", 1},
    {"s", 1000},
    {"sec", 1000},
    {"secs", 1000},
    {"second", 1000},
    {"seconds", 1000},
    {"min", 60000},
    {"m", 60000},
    {"minute", 60000},
    {"minutes", 60000},
    {"h", 3600000},
    {"hour", 3600000},
    {"hours", 3600000},
    {"d", 86400000},
    {"day", 86400000},
    {"days", 86400000},
};

const char* duration_form =
    "expected a number with an optional unit: ns, us, ms, s, min, h or d; "
    "a bare number is milliseconds";

/// A memory-size unit and its length in bytes.
struct size_unit {
  const char* label;
  std::uint64_t bytes;
};

constexpr size_unit size_units[] = {
    {"b", 1},
    {"bytes", 1},
    {"k", 1ULL << 10},
    {"kb", 1ULL << 10},
    {"kibibytes", 1ULL << 10},
    {"m", 1ULL << 20},
    {"mb", 1ULL << 20},
    {"mebibytes", 1ULL << 20},
    {"g", 1ULL << 30},
    {"gb", 1ULL << 30},
    {"gibibytes", 1ULL << 30},
    {"t", 1ULL << 40},
    {"tb", 1ULL << 40},
    {"tebibytes", 1ULL << 40},
};

const char* size_form =
    "expected a number with an optional unit: b, kb, mb, gb or tb (1024-based); "
    "a bare number is bytes";

}  // namespace

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto parts = split(text, "duration", duration_form);
  if (!parts) return std::move(parts).err();
  auto quoted = "'" + std::string(text) + "'";
  if (parts->unit.empty()) parts->unit = "ms";
  for (const auto& u : duration_units) {
    if (parts->unit != u.label) continue;
    std::uint64_t ms = 0;
    if (u.per_ms != 0) {
      // A positive value that rounds to 0 ms would silently mean "off" for an interval.
      if (parts->number % u.per_ms != 0) return malformed(quoted + " is not a whole number of milliseconds");
      ms = parts->number / u.per_ms;
    } else {
      if (parts->number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / u.to_ms)
        return malformed(quoted + " is too large for a duration");
      ms = parts->number * u.to_ms;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
  }
  return malformed(quoted + " has an unknown unit '" + parts->unit + "' (" + duration_form + ")");
}

result<std::uint64_t> parse_size(std::string_view text) {
  auto parts = split(text, "size", size_form);
  if (!parts) return std::move(parts).err();
  auto quoted = "'" + std::string(text) + "'";
  if (parts->unit.empty()) parts->unit = "b";
  for (const auto& u : size_units) {
    if (parts->unit != u.label) continue;
    if (parts->number > std::numeric_limits<std::uint64_t>::max() / u.bytes)
      return malformed(quoted + " is too large for a size");
    return parts->number * u.bytes;
  }
  return malformed(quoted + " has an unknown unit '" + parts->unit + "' (" + size_form + ")");
}

result<bool> parse_bool(std::string_view text) {
  auto v = to_lower(trim(text));
  if (v == "true") return true;
  if (v == "false") return false;
  return malformed("'" + std::string(text) + "' is not a boolean (expected true or false)");
}

}  // namespace regent::config

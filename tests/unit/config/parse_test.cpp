// Durations, sizes and booleans in every form Flink accepts, and the forms it rejects.
#include <gtest/gtest.h>

#include "regent/config/configuration.hpp"
#include "test_support.hpp"

namespace regent::config {
namespace {

using std::chrono::milliseconds;
using testing_support::expect_error;

TEST(parse_duration, accepts_every_flink_unit_with_or_without_a_space) {
  const std::pair<const char*, std::int64_t> cases[] = {
      {"100", 100},         {"0", 0},
      {"500 ms", 500},      {"500ms", 500},
      {"1 milli", 1},       {"2 millis", 2},
      {"1 millisecond", 1}, {"3 milliseconds", 3},
      {"2 s", 2000},        {"2s", 2000},
      {"2 sec", 2000},      {"2 secs", 2000},
      {"1 second", 1000},   {"2 seconds", 2000},
      {"1 min", 60000},     {"1m", 60000},
      {"1 minute", 60000},  {"2 minutes", 120000},
      {"1h", 3600000},      {"1 hour", 3600000},
      {"2 hours", 7200000}, {"3 d", 259200000},
      {"1 day", 86400000},  {"2 days", 172800000},
      {"5000 us", 5},       {"5000 \xC2\xB5s", 5},
      {"5000 micros", 5},   {"3000000 ns", 3},
      {"2000000 nanos", 2}, {" 7 S ", 7000},
      {"1 MIN", 60000},     {"1 Hours", 3600000},
  };
  for (const auto& [text, ms] : cases) {
    auto d = parse_duration(text);
    ASSERT_TRUE(d.ok()) << text << ": " << d.err().message;
    EXPECT_EQ(*d, milliseconds(ms)) << text;
  }
}

TEST(parse_duration, rejects_negative_garbage_overflow_and_fractions) {
  for (const char* text : {"", "  ", "-1 s", "-5", "abc", "s", "1.5 s", "10 parsecs", "1 s x",
                           "99999999999999999999999 s", "9223372036854775807 d", "1500 us"}) {
    auto d = parse_duration(text);
    expect_error(d, errc::malformed, {});
  }
  expect_error(parse_duration("10 parsecs"), errc::malformed, {"'10 parsecs'", "parsecs", "ms, s, min"});
  expect_error(parse_duration("-1 s"), errc::malformed, {"'-1 s'", "negative"});
  expect_error(parse_duration("9223372036854775807 d"), errc::malformed, {"too large"});
  expect_error(parse_duration("1500 us"), errc::malformed, {"whole number of milliseconds"});
}

TEST(parse_size, accepts_flink_memory_sizes_1024_based) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"100", 100},
      {"1b", 1},
      {"10 bytes", 10},
      {"1k", 1024},
      {"1 kb", 1024},
      {"2 kibibytes", 2048},
      {"512 KB", 512 * 1024},
      {"64 mb", 64ULL << 20},
      {"1m", 1ULL << 20},
      {"3 mebibytes", 3ULL << 20},
      {"1g", 1ULL << 30},
      {"1 gb", 1ULL << 30},
      {"2 gibibytes", 2ULL << 30},
      {"1t", 1ULL << 40},
      {"1 tb", 1ULL << 40},
      {"1 tebibytes", 1ULL << 40},
  };
  for (const auto& [text, bytes] : cases) {
    auto s = parse_size(text);
    ASSERT_TRUE(s.ok()) << text << ": " << s.err().message;
    EXPECT_EQ(*s, bytes) << text;
  }
}

TEST(parse_size, rejects_negative_unknown_units_and_overflow) {
  expect_error(parse_size("-1 kb"), errc::malformed, {"'-1 kb'", "negative"});
  expect_error(parse_size("1 pb"), errc::malformed, {"'1 pb'", "pb"});
  expect_error(parse_size("lots"), errc::malformed, {"'lots'"});
  expect_error(parse_size("18446744073709551615 kb"), errc::malformed, {"too large"});
  expect_error(parse_size(""), errc::malformed, {});
}

TEST(parse_bool, accepts_true_and_false_in_any_case) {
  for (const char* t : {"true", "TRUE", "True", " true "}) EXPECT_TRUE(*parse_bool(t)) << t;
  for (const char* f : {"false", "FALSE", "False"}) EXPECT_FALSE(*parse_bool(f)) << f;
  for (const char* bad : {"yes", "1", "", "on"})
    expect_error(parse_bool(bad), errc::malformed, {"'" + std::string(bad) + "'", "true or false"});
}

}  // namespace
}  // namespace regent::config

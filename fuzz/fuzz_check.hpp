#pragma once
/// What every fuzz target shares: a check that aborts (so libFuzzer saves the input) when an
/// invariant of a parser does not hold, e.g. a value that does not survive its own round trip;
/// and the split of one input into the parts a multi-parser target feeds.

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#define REGENT_FUZZ_CHECK(cond)                                                          \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace regent::fuzz {

/// `s` cut at `sep` into at most `max_parts` parts (the last keeps the rest, separators and all).
inline std::vector<std::string_view> split_parts(std::string_view s, char sep, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    auto at = s.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(s.substr(0, at));
    s = s.substr(at + 1);
  }
  parts.push_back(s);
  return parts;
}

}  // namespace regent::fuzz

#pragma once
/// What every fuzz target shares: a check that aborts (so libFuzzer saves the input) when an
/// invariant of a parser does not hold, e.g. a value that does not survive its own round trip.

#include <cstdio>
#include <cstdlib>

#define REGENT_FUZZ_CHECK(cond)                                                          \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

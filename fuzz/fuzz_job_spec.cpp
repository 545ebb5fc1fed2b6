/// The job spec parser (runtime/src/job_spec.cpp): what `POST /jobs` hands on after the HTTP
/// layer, and what the job graph store reads back. A spec that parses must survive its own
/// canonical JSON unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "regent/runtime/job_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = regent::parse_job_spec(text);
  if (!spec) {
    REGENT_FUZZ_CHECK(!spec.err().message.empty());
    return 0;
  }
  const std::string canonical = regent::to_json(*spec);
  auto again = regent::parse_job_spec(canonical);
  REGENT_FUZZ_CHECK(again.ok());
  REGENT_FUZZ_CHECK(regent::to_json(*again) == canonical);
  return 0;
}

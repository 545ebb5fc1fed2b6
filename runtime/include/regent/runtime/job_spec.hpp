#pragma once
/// A job as users submit it (DESIGN §5): one source, zero or more operators, one sink, at
/// parallelism P. Subtask i of P runs the whole chain for its share of the source.
///
///   {"name": "count", "parallelism": 4, "job-id": "optional 32 hex",
///    "source": {"type": "sequence", "from": 1, "to": 1000000, "rate-per-second": 100000},
///    "operators": [{"type": "map", "function": "identity"}],
///    "sink": {"type": "file", "path": "/tmp/count-out"}}
///
/// User code: an operator `{"type": "map", "function": "<symbol>", "library": "<artifact>"}`
/// names a function exported by an uploaded shared library (include/regent/operator_api.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "regent/runtime/ids.hpp"
#include "regent/runtime/result.hpp"

namespace regent {

struct source_spec {
  std::string type = "sequence";  ///< only "sequence" in v1
  std::int64_t from = 0;
  std::int64_t to = 0;                    ///< inclusive
  std::optional<double> rate_per_second;  ///< for the whole source, split evenly over subtasks
};

struct operator_spec {
  std::string type = "map";            ///< only "map" in v1
  std::string function;                ///< built-in name, or a symbol of `library`
  std::optional<std::string> library;  ///< artifact (blob key) holding user code
};

struct sink_spec {
  std::string type;  ///< "file" | "discard"
  std::string path;  ///< for "file": the output folder
};

struct job_spec {
  std::optional<job_id> id;  ///< "job-id"; assigned at submission when absent
  std::string name;
  int parallelism = 1;
  source_spec source;
  std::vector<operator_spec> operators;
  sink_spec sink;
};

/// Parses and validates a job spec; the error names the offending field
/// (e.g. "source.to: must be >= source.from").
result<job_spec> parse_job_spec(const std::string& json);
/// The canonical JSON of a spec (what the job graph store keeps).
std::string to_json(const job_spec& spec);

}  // namespace regent

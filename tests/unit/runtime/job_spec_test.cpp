#include "regent/runtime/job_spec.hpp"

#include <gtest/gtest.h>

#include "regent/runtime/errc.hpp"

namespace regent {
namespace {

constexpr const char* design_example = R"({"name": "count", "parallelism": 4,
  "job-id": "0123456789abcdef0123456789ABCDEF",
  "source": {"type": "sequence", "from": 1, "to": 1000000, "rate-per-second": 100000},
  "operators": [{"type": "map", "function": "identity"}],
  "sink": {"type": "file", "path": "/tmp/count-out"}})";

/// A spec object built from JSON member fragments (e.g. `"parallelism": 0`); empty ones are left out.
std::string spec_with(const std::string& name, const std::string& parallelism, const std::string& source,
                      const std::string& operators, const std::string& sink) {
  std::string s = "{";
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (s.size() > 1) s += ", ";
    s += part;
  };
  add(name);
  add(parallelism);
  add(source);
  add(operators);
  add(sink);
  return s + "}";
}

const std::string good_source = R"("source": {"type": "sequence", "from": 0, "to": 9})";
const std::string good_sink = R"("sink": {"type": "discard"})";

std::string with_source(const std::string& source) { return spec_with("", "", source, "", good_sink); }
std::string with_operators(const std::string& ops) { return spec_with("", "", good_source, ops, good_sink); }
std::string with_sink(const std::string& sink) { return spec_with("", "", good_source, "", sink); }
std::string with_root(const std::string& part) { return spec_with(part, "", good_source, "", good_sink); }

std::string error_of(const std::string& json) {
  auto r = parse_job_spec(json);
  if (r.ok()) return "<parsed>";
  EXPECT_EQ(r.err().code, make_error_code(runtime_errc::invalid_spec)) << json;
  return r.err().message;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(job_spec, parses_the_design_example) {
  auto r = parse_job_spec(design_example);
  ASSERT_TRUE(r.ok()) << r.err().message;
  const job_spec& s = *r;
  EXPECT_EQ(s.name, "count");
  EXPECT_EQ(s.parallelism, 4);
  ASSERT_TRUE(s.id.has_value());
  EXPECT_EQ(s.id->str(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(s.source.type, "sequence");
  EXPECT_EQ(s.source.from, 1);
  EXPECT_EQ(s.source.to, 1000000);
  ASSERT_TRUE(s.source.rate_per_second.has_value());
  EXPECT_DOUBLE_EQ(*s.source.rate_per_second, 100000.0);
  ASSERT_EQ(s.operators.size(), 1u);
  EXPECT_EQ(s.operators[0].type, "map");
  EXPECT_EQ(s.operators[0].function, "identity");
  EXPECT_FALSE(s.operators[0].library.has_value());
  EXPECT_EQ(s.sink.type, "file");
  EXPECT_EQ(s.sink.path, "/tmp/count-out");
}

TEST(job_spec, minimal_spec_gets_defaults) {
  auto r = parse_job_spec(R"({"source": {"type": "sequence", "from": -5, "to": -5}, "sink": {"type": "discard"}})");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->name, "unnamed job");
  EXPECT_EQ(r->parallelism, 1);
  EXPECT_FALSE(r->id.has_value());
  EXPECT_EQ(r->source.from, -5);
  EXPECT_EQ(r->source.to, -5);
  EXPECT_FALSE(r->source.rate_per_second.has_value());
  EXPECT_TRUE(r->operators.empty());
  EXPECT_EQ(r->sink.type, "discard");
  EXPECT_EQ(r->sink.path, "");
}

TEST(job_spec, accepts_user_code_and_every_built_in) {
  auto r = parse_job_spec(with_operators(R"("operators": [
      {"type": "map", "function": "identity"}, {"type": "map", "function": "negate"},
      {"type": "map", "function": "add-one"}, {"type": "map", "function": "square"},
      {"type": "map", "function": "times_two_v2", "library": "libudf-1.0_x.so"}])"));
  ASSERT_TRUE(r.ok()) << r.err().message;
  ASSERT_EQ(r->operators.size(), 5u);
  EXPECT_EQ(r->operators[4].function, "times_two_v2");
  EXPECT_EQ(r->operators[4].library, std::optional<std::string>("libudf-1.0_x.so"));
}

TEST(job_spec, accepts_extreme_but_valid_values) {
  auto r = parse_job_spec(spec_with(R"("name": "x")", R"("parallelism": 1024)",
                                    R"("source": {"type": "sequence", "from": -9223372036854775808,
                                       "to": 9223372036854775807, "rate-per-second": 0.5})",
                                    R"("operators": [])", good_sink));
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->parallelism, 1024);
  EXPECT_EQ(r->source.from, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(r->source.to, std::numeric_limits<std::int64_t>::max());
  EXPECT_DOUBLE_EQ(*r->source.rate_per_second, 0.5);
}

TEST(job_spec, canonical_json_of_the_design_example) {
  auto r = parse_job_spec(design_example);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_json(*r), R"({"name":"count","parallelism":4,"job-id":"0123456789abcdef0123456789abcdef",)"
                         R"("source":{"type":"sequence","from":1,"to":1000000,"rate-per-second":100000},)"
                         R"("operators":[{"type":"map","function":"identity"}],)"
                         R"("sink":{"type":"file","path":"/tmp/count-out"}})");
}

void expect_same(const job_spec& a, const job_spec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.parallelism, b.parallelism);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.source.type, b.source.type);
  EXPECT_EQ(a.source.from, b.source.from);
  EXPECT_EQ(a.source.to, b.source.to);
  EXPECT_EQ(a.source.rate_per_second, b.source.rate_per_second);
  ASSERT_EQ(a.operators.size(), b.operators.size());
  for (std::size_t i = 0; i < a.operators.size(); ++i) {
    EXPECT_EQ(a.operators[i].type, b.operators[i].type);
    EXPECT_EQ(a.operators[i].function, b.operators[i].function);
    EXPECT_EQ(a.operators[i].library, b.operators[i].library);
  }
  EXPECT_EQ(a.sink.type, b.sink.type);
  EXPECT_EQ(a.sink.path, b.sink.path);
}

TEST(job_spec, round_trips_through_json) {
  const std::vector<std::string> specs = {
      design_example,
      R"({"source": {"type": "sequence", "from": 3, "to": 4}, "sink": {"type": "discard"}})",
      R"({"name": "ünïcode \"quoted\"", "parallelism": 7,
          "source": {"type": "sequence", "from": -10, "to": 10, "rate-per-second": 12.75},
          "operators": [{"type": "map", "function": "square"},
                        {"type": "map", "function": "f", "library": "udf.so"}],
          "sink": {"type": "file", "path": "/out/dir with space"}})",
  };
  for (const auto& text : specs) {
    auto first = parse_job_spec(text);
    ASSERT_TRUE(first.ok()) << first.err().message;
    const std::string canonical = to_json(*first);
    auto second = parse_job_spec(canonical);
    ASSERT_TRUE(second.ok()) << second.err().message << " in " << canonical;
    expect_same(*first, *second);
    EXPECT_EQ(to_json(*second), canonical);
  }
}

TEST(job_spec, malformed_json_reports_the_position) {
  std::string m = error_of("{\"name\": \"x\",\n  \"parallelism\": }");
  EXPECT_TRUE(starts_with(m, "job spec is not valid JSON: ")) << m;
  EXPECT_NE(m.find("line 2, column 18"), std::string::npos) << m;
  EXPECT_EQ(m.find("[json.exception"), std::string::npos) << m;
  EXPECT_TRUE(starts_with(error_of(""), "job spec is not valid JSON")) << error_of("");
  EXPECT_TRUE(starts_with(error_of("{} trailing"), "job spec is not valid JSON"));
}

TEST(job_spec, top_level_must_be_an_object) {
  EXPECT_EQ(error_of("[1, 2]"), "job spec: must be a JSON object (got an array)");
  EXPECT_EQ(error_of("42"), "job spec: must be a JSON object (got an integer)");
}

/// Each invalid spec and the exact message it must produce: the message starts with the path
/// of the offending field.
struct bad_case {
  std::string json;
  std::string message;
};

TEST(job_spec, every_error_names_its_field) {
  const std::vector<bad_case> cases = {
      // Root.
      {with_root(R"("paralelism": 4)"),
       "paralelism: unknown field (known: name, parallelism, job-id, source, operators, sink)"},
      {with_root(R"("name": 5)"), "name: must be a string (got an integer)"},
      {with_root(R"("name": "")"), "name: must not be empty"},
      {with_root(R"("parallelism": 0)"), "parallelism: must be from 1 to 1024 (got 0)"},
      {with_root(R"("parallelism": 1025)"), "parallelism: must be from 1 to 1024 (got 1025)"},
      {with_root(R"("parallelism": -3)"), "parallelism: must be from 1 to 1024 (got -3)"},
      {with_root(R"("parallelism": 2.5)"), "parallelism: must be an integer (got a number with a fraction)"},
      {with_root(R"("parallelism": "4")"), "parallelism: must be an integer (got a string)"},
      {with_root(R"("job-id": "abc")"), "job-id: must be 32 hex characters (got 'abc')"},
      {with_root(R"("job-id": "0123456789abcdef0123456789abcdeg")"),
       "job-id: must be 32 hex characters (got '0123456789abcdef0123456789abcdeg')"},
      {with_root(R"("job-id": null)"), "job-id: must be a string (got null)"},
      // Source.
      {spec_with("", "", "", "", good_sink), R"(source: missing (e.g. {"type": "sequence", "from": 1, "to": 100}))"},
      {with_source(R"("source": [])"), "source: must be an object (got an array)"},
      {with_source(R"("source": {"from": 1, "to": 2})"), "source.type: missing (known: sequence)"},
      {with_source(R"("source": {"type": "kafka"})"), "source.type: unknown source type 'kafka' (known: sequence)"},
      {with_source(R"("source": {"type": 1})"), "source.type: must be a string (got an integer)"},
      {with_source(R"("source": {"type": "sequence", "to": 2})"),
       "source.from: missing (the first number of the sequence)"},
      {with_source(R"("source": {"type": "sequence", "from": 1})"),
       "source.to: missing (the last number of the sequence, inclusive)"},
      {with_source(R"("source": {"type": "sequence", "from": 1, "to": 0})"),
       "source.to: must be >= source.from (1 > 0)"},
      {with_source(R"("source": {"type": "sequence", "from": 1.5, "to": 3})"),
       "source.from: must be an integer (got a number with a fraction)"},
      {with_source(R"("source": {"type": "sequence", "from": 18446744073709551615, "to": 3})"),
       "source.from: must be a 64-bit integer (got 18446744073709551615)"},
      {with_source(R"("source": {"type": "sequence", "from": 1, "to": 3, "rate-per-second": 0})"),
       "source.rate-per-second: must be > 0 (got 0)"},
      {with_source(R"("source": {"type": "sequence", "from": 1, "to": 3, "rate-per-second": -2.5})"),
       "source.rate-per-second: must be > 0 (got -2.5)"},
      {with_source(R"("source": {"type": "sequence", "from": 1, "to": 3, "rate-per-second": "fast"})"),
       "source.rate-per-second: must be a number (got a string)"},
      {with_source(R"("source": {"type": "sequence", "from": 1, "to": 3, "step": 2})"),
       "source.step: unknown field (known: type, from, to, rate-per-second)"},
      // Operators.
      {with_operators(R"("operators": {})"), "operators: must be an array (got an object)"},
      {with_operators(
           R"("operators": [{"type": "map", "function": "identity"}, {"type": "map", "function": "dobule"}])"),
       "operators[1].function: unknown built-in 'dobule' (known: identity, negate, add-one, square)"},
      {with_operators(R"("operators": ["identity"])"), "operators[0]: must be an object (got a string)"},
      {with_operators(R"("operators": [{"function": "identity"}])"), "operators[0].type: missing (known: map)"},
      {with_operators(R"("operators": [{"type": "filter", "function": "identity"}])"),
       "operators[0].type: unknown operator type 'filter' (known: map)"},
      {with_operators(R"("operators": [{"type": "map"}])"),
       "operators[0].function: missing (a built-in name or a symbol of 'library')"},
      {with_operators(R"("operators": [{"type": "map", "function": 3}])"),
       "operators[0].function: must be a string (got an integer)"},
      {with_operators(R"("operators": [{"type": "map", "function": "identity", "parallelism": 2}])"),
       "operators[0].parallelism: unknown field (known: type, function, library)"},
      {with_operators(R"("operators": [{"type": "map", "function": "f", "library": "../etc/passwd"}])"),
       "operators[0].library: not a valid artifact name '../etc/passwd' (1 to 200 of [A-Za-z0-9._-], not '.', "
       "'..' or '.tmp-*')"},
      {with_operators(R"("operators": [{"type": "map", "function": "f", "library": ".."}])"),
       "operators[0].library: not a valid artifact name '..' (1 to 200 of [A-Za-z0-9._-], not '.', '..' or "
       "'.tmp-*')"},
      {with_operators(R"("operators": [{"type": "map", "function": "f", "library": ".tmp-x"}])"),
       "operators[0].library: not a valid artifact name '.tmp-x' (1 to 200 of [A-Za-z0-9._-], not '.', '..' or "
       "'.tmp-*')"},
      {with_operators(R"("operators": [{"type": "map", "function": "f", "library": ""}])"),
       "operators[0].library: not a valid artifact name '' (1 to 200 of [A-Za-z0-9._-], not '.', '..' or "
       "'.tmp-*')"},
      {with_operators(R"("operators": [{"type": "map", "function": "add-one", "library": "udf.so"}])"),
       "operators[0].function: 'add-one' is not a C identifier (a symbol of library 'udf.so')"},
      {with_operators(R"("operators": [{"type": "map", "function": "9lives", "library": "udf.so"}])"),
       "operators[0].function: '9lives' is not a C identifier (a symbol of library 'udf.so')"},
      // Sink.
      {spec_with("", "", good_source, "", ""), R"(sink: missing (e.g. {"type": "discard"}))"},
      {with_sink(R"("sink": "discard")"), "sink: must be an object (got a string)"},
      {with_sink(R"("sink": {})"), "sink.type: missing (known: file, discard)"},
      {with_sink(R"("sink": {"type": "kafka"})"), "sink.type: unknown sink type 'kafka' (known: file, discard)"},
      {with_sink(R"("sink": {"type": "file"})"), "sink.path: missing (the output folder of a 'file' sink)"},
      {with_sink(R"("sink": {"type": "file", "path": "out"})"), "sink.path: must be an absolute path (got 'out')"},
      {with_sink(R"("sink": {"type": "file", "path": ""})"), "sink.path: must be an absolute path (got '')"},
      {with_sink(R"("sink": {"type": "file", "path": "/a\u0000b"})"), "sink.path: must not contain a NUL character"},
      {with_sink(R"("sink": {"type": "file", "path": "/x", "mode": "append"})"),
       "sink.mode: unknown field (known: type, path)"},
      {with_sink(R"("sink": {"type": "discard", "path": "/x"})"), "sink.path: unknown field (known: type)"},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of(c.json), c.message) << c.json;
}

TEST(job_spec, blob_key_length_limit) {
  const std::string ok_key(200, 'a');
  const std::string long_key(201, 'a');
  EXPECT_TRUE(
      parse_job_spec(with_operators(R"("operators": [{"type": "map", "function": "f", "library": ")" + ok_key + "\"}]"))
          .ok());
  EXPECT_TRUE(starts_with(
      error_of(with_operators(R"("operators": [{"type": "map", "function": "f", "library": ")" + long_key + "\"}]")),
      "operators[0].library: not a valid artifact name"));
}

TEST(runtime_errc, has_its_own_category) {
  std::error_code ec = runtime_errc::invalid_spec;
  EXPECT_STREQ(ec.category().name(), "runtime");
  EXPECT_EQ(ec.message(), "invalid job spec");
  EXPECT_EQ(std::error_code(runtime_errc::insufficient_slots).message(), "not enough free slots");
  EXPECT_NE(ec, std::error_code(runtime_errc::corrupt_metadata));
}

}  // namespace
}  // namespace regent

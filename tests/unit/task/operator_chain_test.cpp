// Map functions: the built-ins by name, user functions from a library loaded with dlopen (the
// example library under examples/udf), and the loader's errors naming file and symbol.

#include <fstream>
#include <limits>

#include <gtest/gtest.h>

#include "regent/task/errc.hpp"
#include "regent/task/operator_chain.hpp"
#include "regent/task/user_code_library.hpp"
#include "test_support.hpp"

namespace regent::task {
namespace {

constexpr std::int64_t max64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t min64 = std::numeric_limits<std::int64_t>::min();

operator_spec builtin_op(const std::string& fn) {
  operator_spec op;
  op.function = fn;
  return op;
}

operator_spec user_op(const std::string& fn, const std::string& artifact) {
  operator_spec op;
  op.function = fn;
  op.library = artifact;
  return op;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The value of the one-function chain `fn` on `x`.
std::int64_t apply_builtin(const std::string& fn, std::int64_t x) {
  auto chain = build_operator_chain({builtin_op(fn)}, local_file_resolver());
  EXPECT_TRUE(chain.ok()) << chain.err().message;
  return chain.ok() ? chain->apply(x) : 0;
}

TEST(operator_chain, runs_builtin_functions_by_name_wrapping_on_overflow) {
  EXPECT_EQ(apply_builtin("identity", -42), -42);
  EXPECT_EQ(apply_builtin("negate", 42), -42);
  EXPECT_EQ(apply_builtin("negate", min64), min64);
  EXPECT_EQ(apply_builtin("add-one", -1), 0);
  EXPECT_EQ(apply_builtin("add-one", max64), min64);
  EXPECT_EQ(apply_builtin("square", -12), 144);
}

TEST(operator_chain, applies_functions_in_order) {
  auto a = build_operator_chain({builtin_op("add-one"), builtin_op("square")}, local_file_resolver());
  ASSERT_TRUE(a.ok()) << a.err().message;
  EXPECT_EQ(a->apply(3), 16);
  auto b = build_operator_chain({builtin_op("square"), builtin_op("add-one")}, local_file_resolver());
  ASSERT_TRUE(b.ok()) << b.err().message;
  EXPECT_EQ(b->apply(3), 10);
  auto empty = build_operator_chain({}, local_file_resolver());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->apply(7), 7);
}

TEST(operator_chain, unknown_builtin_or_type_is_an_error_naming_the_operator) {
  auto r = build_operator_chain({builtin_op("identity"), builtin_op("cube")}, local_file_resolver());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, errc::invalid_argument);
  EXPECT_TRUE(contains(r.err().message, "operators[1]")) << r.err().message;
  EXPECT_TRUE(contains(r.err().message, "cube")) << r.err().message;
  operator_spec filter = builtin_op("identity");
  filter.type = "filter";
  auto t = build_operator_chain({filter}, local_file_resolver());
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(contains(t.err().message, "filter")) << t.err().message;
}

TEST(user_code_library, loads_the_example_library_and_calls_its_functions) {
  auto lib = user_code_library::load(REGENT_EXAMPLE_UDF_PATH);
  ASSERT_TRUE(lib.ok()) << lib.err().message;
  auto times_ten = (*lib)->map_function("times_ten");
  ASSERT_TRUE(times_ten.ok()) << times_ten.err().message;
  EXPECT_EQ((*times_ten)(7), 70);
  EXPECT_EQ((*times_ten)(-3), -30);
  auto plus_offset = (*lib)->map_function("plus_offset");
  ASSERT_TRUE(plus_offset.ok()) << plus_offset.err().message;
  EXPECT_EQ((*plus_offset)(1), 1000001);
}

TEST(user_code_library, chain_mixes_user_and_builtin_functions_through_the_resolver) {
  int resolved = 0;
  library_resolver resolve = [&](const std::string& artifact) -> result<std::filesystem::path> {
    ++resolved;
    EXPECT_EQ(artifact, "blob-example");
    return std::filesystem::path(REGENT_EXAMPLE_UDF_PATH);
  };
  auto chain = build_operator_chain(
      {user_op("times_ten", "blob-example"), builtin_op("negate"), user_op("plus_offset", "blob-example")}, resolve);
  ASSERT_TRUE(chain.ok()) << chain.err().message;
  EXPECT_EQ(resolved, 1);  // one load per artifact
  EXPECT_EQ(chain->apply(5), 1000000 - 50);
  // The chain keeps the library loaded after the builder's references are gone.
  operator_chain moved = std::move(chain).value();
  EXPECT_EQ(moved.apply(1), 1000000 - 10);
}

TEST(user_code_library, missing_file_is_not_found_naming_the_file) {
  test::temp_dir dir;
  const auto file = dir.path() / "libabsent.so";
  auto lib = user_code_library::load(file);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.err().code, errc::not_found);
  EXPECT_TRUE(contains(lib.err().message, file.string())) << lib.err().message;
}

TEST(user_code_library, non_library_file_is_refused_naming_the_file) {
  test::temp_dir dir;
  const auto file = dir.path() / "libnot-a-library.so";
  std::ofstream(file) << "this is not an ELF shared object\n";
  auto lib = user_code_library::load(file);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.err().code, errc::user_code);
  EXPECT_TRUE(contains(lib.err().message, file.string())) << lib.err().message;
}

TEST(user_code_library, missing_symbol_is_an_error_naming_file_and_symbol) {
  auto lib = user_code_library::load(REGENT_EXAMPLE_UDF_PATH);
  ASSERT_TRUE(lib.ok()) << lib.err().message;
  auto fn = (*lib)->map_function("no_such_function");
  ASSERT_FALSE(fn.ok());
  EXPECT_EQ(fn.err().code, errc::user_code);
  EXPECT_TRUE(contains(fn.err().message, "no_such_function")) << fn.err().message;
  EXPECT_TRUE(contains(fn.err().message, REGENT_EXAMPLE_UDF_PATH)) << fn.err().message;

  auto chain = build_operator_chain({user_op("no_such_function", REGENT_EXAMPLE_UDF_PATH)}, local_file_resolver());
  ASSERT_FALSE(chain.ok());
  EXPECT_TRUE(contains(chain.err().message, "operators[0]")) << chain.err().message;
  EXPECT_TRUE(contains(chain.err().message, "no_such_function")) << chain.err().message;
}

TEST(user_code_library, wrong_api_version_is_refused) {
  auto lib = user_code_library::load(REGENT_TEST_UDF_V2_PATH);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.err().code, errc::user_code);
  EXPECT_TRUE(contains(lib.err().message, REGENT_TEST_UDF_V2_PATH)) << lib.err().message;
  EXPECT_TRUE(contains(lib.err().message, "returned 2")) << lib.err().message;
}

TEST(user_code_library, library_without_version_function_is_refused) {
  auto lib = user_code_library::load(REGENT_TEST_UDF_UNVERSIONED_PATH);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.err().code, errc::user_code);
  EXPECT_TRUE(contains(lib.err().message, "regent_operator_api_version")) << lib.err().message;
  EXPECT_TRUE(contains(lib.err().message, REGENT_TEST_UDF_UNVERSIONED_PATH)) << lib.err().message;
}

}  // namespace
}  // namespace regent::task

#include "regent/runtime/builtin_functions.hpp"

#include <limits>

#include <gtest/gtest.h>

namespace regent {
namespace {

constexpr auto min64 = std::numeric_limits<std::int64_t>::min();
constexpr auto max64 = std::numeric_limits<std::int64_t>::max();

TEST(builtin_functions, lists_the_four_in_order) {
  EXPECT_EQ(builtin_function_names(), "identity, negate, add-one, square");
  ASSERT_EQ(builtin_functions().size(), 4u);
  EXPECT_STREQ(builtin_functions()[0].name, "identity");
}

TEST(builtin_functions, finds_by_exact_name) {
  EXPECT_NE(find_builtin_function("identity"), nullptr);
  EXPECT_EQ(find_builtin_function("Identity"), nullptr);
  EXPECT_EQ(find_builtin_function("add_one"), nullptr);
  EXPECT_EQ(find_builtin_function(""), nullptr);
}

TEST(builtin_functions, compute_and_wrap_on_overflow) {
  auto identity = find_builtin_function("identity");
  auto negate = find_builtin_function("negate");
  auto add_one = find_builtin_function("add-one");
  auto square = find_builtin_function("square");
  EXPECT_EQ(identity(-7), -7);
  EXPECT_EQ(negate(5), -5);
  EXPECT_EQ(negate(min64), min64);
  EXPECT_EQ(add_one(41), 42);
  EXPECT_EQ(add_one(max64), min64);
  EXPECT_EQ(square(-12), 144);
  EXPECT_EQ(square(std::int64_t{1} << 32), 0);
}

}  // namespace
}  // namespace regent

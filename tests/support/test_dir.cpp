#include "test_dir.hpp"

#include <cctype>
#include <string>

#include <gtest/gtest.h>

#include "regent/runtime/random.hpp"

namespace regent::test {

namespace {

/// "suite.test" of the running test, with characters unfit for a file name replaced.
std::string test_label() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string label = info ? std::string(info->test_suite_name()) + "." + info->name() : "no-test";
  for (char& c : label)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  return label;
}

}  // namespace

test_dir::test_dir() {
  path_ = std::filesystem::path(::testing::TempDir()) /
          ("regent-" + test_label() + "-" + random_source::instance().hex32().substr(0, 12));
  std::filesystem::create_directories(path_);
}

test_dir::~test_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace regent::test

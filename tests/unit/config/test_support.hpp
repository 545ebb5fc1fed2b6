#pragma once
/// Helpers for the config tests: a temporary folder per test and an assertion that an error has
/// the expected code and names everything a user needs (key, file, line).

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "regent/config/configuration.hpp"

namespace regent::config::testing_support {

/// A fresh folder under `testing::TempDir()`, unique to the test and process, removed with its
/// contents when the test ends. Owned by one test, used on the test's thread.
class temp_dir {
 public:
  temp_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    static int counter = 0;
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("regent_config_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name() + "_" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `text` to `<dir>/<name>` and returns the file's path.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

/// Expects `r` to have failed with `code` and a message containing every one of `parts`.
template <class T>
void expect_error(const result<T>& r, errc code, std::initializer_list<std::string> parts) {
  ASSERT_FALSE(r.ok()) << "expected an error";
  EXPECT_EQ(r.err().code, make_error_code(code)) << r.err().message;
  for (const auto& part : parts)
    EXPECT_NE(r.err().message.find(part), std::string::npos) << "'" << part << "' is not in: " << r.err().message;
}

}  // namespace regent::config::testing_support

#pragma once
/// A fresh folder for one test under `testing::TempDir()`, named after the running test plus
/// a random suffix, removed with everything in it when the object goes away.
///
/// Owned by a test fixture; not shared between threads.

#include <filesystem>

namespace regent::test {

class test_dir {
 public:
  test_dir();
  ~test_dir();
  test_dir(const test_dir&) = delete;
  test_dir& operator=(const test_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace regent::test

#pragma once
/// A `storage::file_io` test double that wraps a real one (posix_file_io by default) and can
/// be armed to make the next `write_atomic` fail in a chosen way, leaving on disk what a real
/// failure (or a crash) at that point would leave. Every other call passes through.
///
/// Owned by a test; thread-safe (the arming is guarded by a mutex).

#include <mutex>
#include <ostream>

#include "regent/ha/storage/file_io.hpp"

namespace regent::test {

class faulty_file_io final : public ha::storage::file_io {
 public:
  enum class fault {
    none,
    /// Writes the first half of the bytes into a temp file in the target's folder, leaves it
    /// there (as a crash would) and fails with errc::io.
    half_written,
    /// Writes all bytes into a temp file (fsynced), leaves it there and fails with errc::io
    /// before the rename that would make it visible.
    before_rename,
    /// Writes part of the bytes, then fails with errc::io and ENOSPC's text ("No space left on
    /// device"), removing its temp file as the real implementation does on a write error.
    no_space,
  };

  explicit faulty_file_io(ha::storage::file_io& inner = ha::storage::posix_file_io()) : inner_(inner) {}

  /// The next `write_atomic` fails with `f` (one shot).
  void arm(fault f);
  /// True while a fault is armed and has not fired yet.
  bool armed() const;
  /// How many writes this double has failed.
  int failed_writes() const;

  result<void> write_atomic(const std::filesystem::path& file, std::string_view bytes,
                            bool no_replace = false) override;
  result<std::string> read(const std::filesystem::path& file) const override { return inner_.read(file); }
  result<void> remove(const std::filesystem::path& file) override { return inner_.remove(file); }
  result<void> remove_all(const std::filesystem::path& dir) override { return inner_.remove_all(dir); }
  result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to,
                      bool no_replace = false) override {
    return inner_.rename(from, to, no_replace);
  }
  result<std::vector<std::string>> list(const std::filesystem::path& dir) const override { return inner_.list(dir); }
  bool exists(const std::filesystem::path& path) const override { return inner_.exists(path); }

 private:
  /// Takes the armed fault (leaving none armed).
  fault take();

  ha::storage::file_io& inner_;
  mutable std::mutex mu_;
  fault armed_ = fault::none;
  int failed_ = 0;
  int temp_serial_ = 0;
};

/// "half_written", "before_rename", "no_space" or "none" (test names and failure output).
const char* to_string(faulty_file_io::fault f);
inline std::ostream& operator<<(std::ostream& os, faulty_file_io::fault f) { return os << to_string(f); }

}  // namespace regent::test

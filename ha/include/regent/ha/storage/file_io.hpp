#pragma once
/// File operations of the HA storage, behind an interface so tests can inject failures
/// (a write that fails half-way, a full disk) without a special file system.
///
/// `posix_file_io` is the real one: atomic writes go to a temp file in the same folder
/// (named ".tmp-*", never listed), are fsynced, renamed over the target, and the folder is
/// fsynced, so a reader sees the old content or the new one, never a mix. HA data is the
/// cluster's own: files are created 0600 and folders 0700 (readable by its user only).

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "regent/runtime/result.hpp"

namespace regent::ha::storage {

class file_io {
 public:
  virtual ~file_io() = default;
  /// Writes `bytes` to `file` atomically, creating its folders. With `no_replace`, fails with
  /// errc::already_exists when `file` exists (and writes nothing).
  virtual result<void> write_atomic(const std::filesystem::path& file, std::string_view bytes,
                                    bool no_replace = false) = 0;
  /// The whole file; errc::not_found when it does not exist.
  virtual result<std::string> read(const std::filesystem::path& file) const = 0;
  /// Removes a file and fsyncs its folder; a missing file is fine.
  virtual result<void> remove(const std::filesystem::path& file) = 0;
  /// Removes a folder and everything below it; a missing folder is fine.
  virtual result<void> remove_all(const std::filesystem::path& dir) = 0;
  /// Renames atomically (fsyncing the folder); with `no_replace`, errc::already_exists when
  /// `to` exists.
  virtual result<void> rename(const std::filesystem::path& from, const std::filesystem::path& to,
                              bool no_replace = false) = 0;
  /// Names of the entries in `dir` (temp files excluded), sorted; a missing folder is empty.
  virtual result<std::vector<std::string>> list(const std::filesystem::path& dir) const = 0;
  /// True when `path` exists.
  virtual bool exists(const std::filesystem::path& path) const = 0;
};

/// The real file system.
file_io& posix_file_io();

/// Creates `dir` and its missing parents, each 0700; folders that exist keep their mode.
result<void> make_private_dirs(const std::filesystem::path& dir);

/// True for names `file_io` uses for its temp files.
bool is_temp_name(std::string_view name);

}  // namespace regent::ha::storage

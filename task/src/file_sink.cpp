#include "regent/task/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>
#include <climits>
#include <cstdint>

#include "regent/ha/storage/file_io.hpp"
#include "regent/runtime/logging.hpp"
#include "regent/runtime/random.hpp"
#include "regent/task/errc.hpp"

namespace regent::task {

namespace fs = std::filesystem;
using ha::storage::posix_file_io;

namespace {

/// Flush the write buffer at this size.
constexpr std::size_t buffer_limit = 64 * 1024;

error io_error(const std::string& what, const fs::path& p, int err) {
  return {errc::io, "file sink: " + what + " " + p.string() + ": " + std::strerror(err)};
}

/// An error of the HA storage layer, recoded as ours.
error from_storage(const error& e) { return {errc::io, "file sink: " + e.message}; }

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

/// The fields of a committed part's name `part-<subtask>-<checkpoint>-<seq>`.
struct part_name {
  int subtask = 0;
  std::uint64_t checkpoint = 0;
  std::uint64_t seq = 0;
};

/// `name` parsed as a committed part of the sink whose names start with `prefix` ("part-" plus
/// the owner's scope); nullopt for any other name.
std::optional<part_name> parse_part_name(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  name.remove_prefix(prefix.size());
  std::uint64_t fields[3];
  for (int i = 0; i < 3; ++i) {
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fields[i]);
    if (ec != std::errc() || end == name.data()) return std::nullopt;
    name.remove_prefix(static_cast<std::size_t>(end - name.data()));
    if (i < 2) {
      if (name.empty() || name.front() != '-') return std::nullopt;
      name.remove_prefix(1);
    }
  }
  if (!name.empty() || fields[0] > static_cast<std::uint64_t>(INT32_MAX)) return std::nullopt;
  return part_name{static_cast<int>(fields[0]), fields[1], fields[2]};
}

/// True when `a` and `b` are one file (hard links) or hold the same bytes.
result<bool> same_part(const fs::path& a, const fs::path& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0) return io_error("cannot stat", a, errno);
  if (::stat(b.c_str(), &sb) != 0) return io_error("cannot stat", b, errno);
  if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) return true;
  if (sa.st_size != sb.st_size) return false;
  auto da = posix_file_io().read(a);
  if (!da) return from_storage(da.err());
  auto db = posix_file_io().read(b);
  if (!db) return from_storage(db.err());
  return *da == *db;
}

}  // namespace

file_sink::file_sink(fs::path dir, int subtask_index, const std::string& owner)
    : dir_(std::move(dir)),
      index_(subtask_index),
      scope_(owner.empty() ? std::string() : owner + "-"),
      token_(random_source::instance().hex32().substr(0, 12)) {}

file_sink::~file_sink() {
  if (fd_ >= 0) ::close(fd_);
}

std::string file_sink::final_name(checkpoint_id checkpoint, std::uint64_t seq) const {
  return "part-" + scope_ + std::to_string(index_) + "-" + std::to_string(checkpoint) + "-" + std::to_string(seq);
}

std::string file_sink::hidden_prefix() const { return ".part-" + scope_ + std::to_string(index_) + "-"; }

result<void> file_sink::restore(const std::optional<sink_state>& state) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return error{errc::io, "file sink: cannot create folder " + dir_.string() + ": " + ec.message()};
  if (state) {
    next_seq_ = state->next_seq;
    // Checkpoint m completed, but its notice may have been lost in the failure: commit now.
    for (const auto& part : state->pending) {
      if (auto r = commit_part(part); !r) return r;
    }
  }
  auto names = posix_file_io().list(dir_);
  if (!names) return from_storage(names.err());
  // A committed part of this subtask that the restored state does not cover (its seq is at or
  // past the state's next one) was committed by a checkpoint after the one restored: the HA
  // store lost that checkpoint, or another job writes here. Writing on would lose or duplicate
  // records, and no restart can help: fail loudly instead.
  for (const auto& name : *names) {
    auto part = parse_part_name(name, "part-" + scope_);
    if (!part || part->subtask != index_ || part->seq < next_seq_) continue;
    return error{errc::output_conflict,
                 "file sink: " + (dir_ / name).string() +
                     " was committed after the checkpoint this subtask restores (" +
                     (state ? "which covers its parts numbered below " + std::to_string(next_seq_) + ")"
                            : "none: it starts from scratch)") +
                     ": a later checkpoint of this job completed and was lost from the HA store, or this job ran "
                     "before and wrote this folder; refusing to write on (records would be lost or duplicated)"};
  }
  // Every hidden file of this subtask still here was written after the restored checkpoint.
  const std::string prefix = hidden_prefix();
  for (const auto& name : *names) {
    if (!starts_with(name, prefix)) continue;
    if (auto r = posix_file_io().remove(dir_ / name); !r) return from_storage(r.err());
    logging::get("task")->debug("file sink {}: removed uncommitted {}", dir_.string(), name);
  }
  pending_.clear();
  return ok();
}

result<void> file_sink::write(std::int64_t record) {
  if (fd_ < 0) {
    if (auto r = open_part(); !r) return r;
  }
  char text[24];
  auto [end, ec] = std::to_chars(text, text + sizeof text, record);
  buffer_.append(text, end);
  buffer_.push_back('\n');
  if (buffer_.size() >= buffer_limit) return flush();
  return ok();
}

result<sink_state> file_sink::snapshot(checkpoint_id id) {
  if (fd_ >= 0) {
    const std::uint64_t seq = in_progress_seq_;
    const std::string from = in_progress_name_;
    if (auto r = close_part(); !r) return std::move(r).err();
    pending_part part;
    part.checkpoint = id;
    part.seq = seq;
    part.pending_name = hidden_prefix() + std::to_string(id) + "-" + std::to_string(seq) + "-" + token_ + ".pending";
    part.final_name = final_name(id, seq);
    if (auto r = posix_file_io().rename(dir_ / from, dir_ / part.pending_name); !r) {
      return from_storage(r.err());
    }
    pending_.push_back(std::move(part));
  }
  return sink_state{next_seq_, pending_};
}

result<void> file_sink::commit(checkpoint_id id) {
  while (!pending_.empty() && pending_.front().checkpoint <= id) {
    if (auto r = commit_part(pending_.front()); !r) return r;
    pending_.erase(pending_.begin());
  }
  return ok();
}

result<void> file_sink::open_part() {
  in_progress_seq_ = next_seq_;
  in_progress_name_ = hidden_prefix() + std::to_string(in_progress_seq_) + "-" + token_ + ".inprogress";
  const fs::path file = dir_ / in_progress_name_;
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", file, errno);
  fd_ = fd;
  ++next_seq_;
  return ok();
}

result<void> file_sink::flush() {
  std::string_view rest(buffer_);
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write", dir_ / in_progress_name_, errno);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  buffer_.clear();
  return ok();
}

result<void> file_sink::close_part() {
  if (auto r = flush(); !r) return r;
  const fs::path file = dir_ / in_progress_name_;
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return io_error("cannot fsync", file, err);
  }
  if (::close(fd) != 0) return io_error("cannot close", file, errno);
  return ok();
}

result<void> file_sink::commit_part(const pending_part& part) {
  const fs::path from = dir_ / part.pending_name;
  const fs::path to = dir_ / part.final_name;
  if (!posix_file_io().exists(from)) {
    if (posix_file_io().exists(to)) return ok();  // committed before
    return error{errc::not_found, "file sink: pending part " + from.string() + " of checkpoint " +
                                      std::to_string(part.checkpoint) + " is missing and " + part.final_name +
                                      " was never committed"};
  }
  auto r = posix_file_io().rename(from, to, /*no_replace=*/true);
  if (r) return ok();
  if (posix_file_io().exists(to)) {
    // Committed already (a rename fallback that linked but did not unlink): drop the leftover.
    // Another file under the same name means two attempts wrote the same part differently (the
    // checkpoint that committed it was lost from the HA store): never drop records silently.
    auto same = same_part(from, to);
    if (!same) return same.err();
    if (!*same)
      return error{errc::output_conflict,
                   "file sink: " + to.string() + " is committed already with other records than " + from.string() +
                       " (checkpoint " + std::to_string(part.checkpoint) +
                       " committed twice: the HA store lost a checkpoint, or this job ran before "
                       "and wrote this folder); refusing to drop either"};
    logging::get("task")->warn("file sink: {} exists already, removing leftover {}", to.string(), from.string());
    if (auto rm = posix_file_io().remove(from); !rm) return from_storage(rm.err());
    return ok();
  }
  return from_storage(r.err());
}

result<std::vector<std::string>> committed_parts(const fs::path& dir) {
  auto names = posix_file_io().list(dir);
  if (!names) return from_storage(names.err());
  std::vector<std::string> out;
  for (auto& n : *names) {
    if (starts_with(n, "part-")) out.push_back(std::move(n));
  }
  return out;
}

result<std::vector<std::string>> committed_parts_of(const fs::path& dir, const std::string& owner) {
  auto all = committed_parts(dir);
  if (!all) return all;
  const std::string prefix = "part-" + owner + "-";
  std::vector<std::string> out;
  for (auto& n : *all)
    if (starts_with(n, prefix)) out.push_back(std::move(n));
  return out;
}

result<std::vector<std::string>> hidden_parts(const fs::path& dir) {
  auto names = posix_file_io().list(dir);
  if (!names) return from_storage(names.err());
  std::vector<std::string> out;
  for (auto& n : *names) {
    if (starts_with(n, ".part-")) out.push_back(std::move(n));
  }
  return out;
}

}  // namespace regent::task

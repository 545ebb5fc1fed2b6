#pragma once
/// Identifiers shared by every module: job ids, leadership epochs, session ids, fencing tokens.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace regent {

/// A job id: 32 lower-case hex characters, as Flink's JobID.
class job_id {
 public:
  job_id() = default;
  /// Accepts 32 hex characters (either case; stored lower-case).
  static std::optional<job_id> parse(std::string_view text);
  const std::string& str() const { return hex_; }
  bool empty() const { return hex_.empty(); }
  friend bool operator==(const job_id& a, const job_id& b) { return a.hex_ == b.hex_; }
  friend bool operator!=(const job_id& a, const job_id& b) { return a.hex_ != b.hex_; }
  friend bool operator<(const job_id& a, const job_id& b) { return a.hex_ < b.hex_; }

 private:
  explicit job_id(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

inline std::ostream& operator<<(std::ostream& os, const job_id& id) { return os << id.str(); }

/// A leadership epoch: strictly increases over the whole history of a cluster. 0 = none.
using epoch_t = std::uint64_t;

/// The fencing token of one leadership session: the epoch and a random session UUID.
struct fencing_token {
  epoch_t epoch = 0;
  std::string session_id;

  bool valid() const { return epoch != 0 && !session_id.empty(); }
  friend bool operator==(const fencing_token& a, const fencing_token& b) {
    return a.epoch == b.epoch && a.session_id == b.session_id;
  }
  friend bool operator!=(const fencing_token& a, const fencing_token& b) { return !(a == b); }
  /// "epoch=7 session=5f0c…" — the form every leadership log line uses.
  std::string to_string() const;
};

inline std::ostream& operator<<(std::ostream& os, const fencing_token& t) { return os << t.to_string(); }

/// True when `text` is a canonical lower-case UUID (8-4-4-4-12 hex).
bool is_uuid(std::string_view text);

}  // namespace regent

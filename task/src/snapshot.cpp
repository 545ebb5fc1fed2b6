#include "regent/task/snapshot.hpp"

#include <charconv>
#include <sstream>
#include <vector>

#include "regent/ha/errc.hpp"
#include "regent/ha/storage/file_io.hpp"
#include "regent/ha/storage/payload.hpp"
#include "regent/task/errc.hpp"

namespace regent::task {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view magic = "regent-subtask-snapshot";

/// Splits a line on single spaces.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const auto sp = line.find(' ');
    out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

/// A plain file name inside the sink folder: no separators, no "." or "..", no spaces.
bool plain_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return name.find_first_of("/ \t\n\r") == std::string_view::npos;
}

/// Reads the lines of one snapshot text and reports the first problem with the file and line
/// number. Lives for one decode_snapshot call.
class line_reader {
 public:
  line_reader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  /// The fields of the next line, which must start with `key` and have `count` fields.
  result<std::vector<std::string_view>> expect(std::string_view key, std::size_t count) {
    if (text_.empty()) return fail("missing '" + std::string(key) + "'");
    const auto nl = text_.find('\n');
    if (nl == std::string_view::npos) return fail("unterminated line");
    auto f = fields(text_.substr(0, nl));
    if (f.empty() || f[0] != key || f.size() != count) {
      return fail("expected '" + std::string(key) + "' with " + std::to_string(count - 1) + " value(s)");
    }
    text_.remove_prefix(nl + 1);
    ++line_;
    return f;
  }

  /// The first field of the next line, without consuming it.
  std::string_view peek_key() const { return text_.substr(0, text_.find_first_of(" \n")); }
  bool at_end() const { return text_.empty(); }

  error fail(const std::string& why) const {
    return {errc::corrupt, "corrupt subtask snapshot " + file_ + " line " + std::to_string(line_ + 1) + ": " + why};
  }

 private:
  std::string_view text_;
  const std::string& file_;
  int line_ = 0;
};

}  // namespace

fs::path snapshot_path(const fs::path& checkpoints_dir, const job_id& job, checkpoint_id id, int index) {
  return checkpoints_dir / job.str() / ("chk-" + std::to_string(id)) / ("subtask-" + std::to_string(index));
}

std::string encode_snapshot(const subtask_snapshot& s) {
  std::ostringstream out;
  out << magic << ' ' << snapshot_format_version << '\n'
      << "job " << s.job.str() << '\n'
      << "checkpoint " << s.checkpoint << '\n'
      << "subtask " << s.subtask_index << ' ' << s.parallelism << '\n'
      << "sink " << s.sink_type << '\n'
      << "source-position " << s.source_position << '\n'
      << "sink-next-seq " << s.sink.next_seq << '\n';
  for (const auto& p : s.sink.pending) {
    out << "pending " << p.checkpoint << ' ' << p.seq << ' ' << p.pending_name << ' ' << p.final_name << '\n';
  }
  out << "end\n";
  return out.str();
}

result<subtask_snapshot> decode_snapshot(std::string_view text, const std::string& file) {
  line_reader in(text, file);
  subtask_snapshot s;
  auto head = in.expect(magic, 2);
  if (!head) return std::move(head).err();
  int version = 0;
  if (!parse_number((*head)[1], version) || version != snapshot_format_version) {
    return in.fail("unsupported format version '" + std::string((*head)[1]) + "'");
  }
  auto job = in.expect("job", 2);
  if (!job) return std::move(job).err();
  auto id = job_id::parse((*job)[1]);
  if (!id) return in.fail("bad job id");
  s.job = *id;
  auto chk = in.expect("checkpoint", 2);
  if (!chk) return std::move(chk).err();
  if (!parse_number((*chk)[1], s.checkpoint)) return in.fail("bad checkpoint id");
  auto sub = in.expect("subtask", 3);
  if (!sub) return std::move(sub).err();
  if (!parse_number((*sub)[1], s.subtask_index) || !parse_number((*sub)[2], s.parallelism) || s.parallelism < 1 ||
      s.subtask_index < 0 || s.subtask_index >= s.parallelism) {
    return in.fail("bad subtask index or parallelism");
  }
  auto sink = in.expect("sink", 2);
  if (!sink) return std::move(sink).err();
  s.sink_type = std::string((*sink)[1]);
  auto pos = in.expect("source-position", 2);
  if (!pos) return std::move(pos).err();
  if (!parse_number((*pos)[1], s.source_position)) return in.fail("bad source position");
  auto seq = in.expect("sink-next-seq", 2);
  if (!seq) return std::move(seq).err();
  if (!parse_number((*seq)[1], s.sink.next_seq)) return in.fail("bad sink sequence number");
  while (in.peek_key() == "pending") {
    auto p = in.expect("pending", 5);
    if (!p) return std::move(p).err();
    pending_part part;
    if (!parse_number((*p)[1], part.checkpoint) || !parse_number((*p)[2], part.seq)) {
      return in.fail("bad pending part numbers");
    }
    part.pending_name = std::string((*p)[3]);
    part.final_name = std::string((*p)[4]);
    if (!plain_name(part.pending_name) || part.pending_name[0] != '.' || !plain_name(part.final_name) ||
        part.final_name[0] == '.') {
      return in.fail("bad pending part names");
    }
    s.sink.pending.push_back(std::move(part));
  }
  auto end = in.expect("end", 1);
  if (!end) return std::move(end).err();
  if (!in.at_end()) return in.fail("unexpected text after 'end'");
  return s;
}

result<std::uint64_t> write_snapshot(const fs::path& file, const subtask_snapshot& snapshot) {
  const std::string framed = ha::storage::encode_payload(encode_snapshot(snapshot));
  if (auto r = ha::storage::posix_file_io().write_atomic(file, framed); !r) {
    return error{errc::io, "cannot write subtask snapshot: " + r.err().message};
  }
  return static_cast<std::uint64_t>(framed.size());
}

result<subtask_snapshot> read_snapshot(const fs::path& file) {
  auto framed = ha::storage::posix_file_io().read(file);
  if (!framed) {
    const bool missing = framed.err().code == ha::errc::not_found;
    return error{missing ? errc::not_found : errc::io, "cannot read subtask snapshot: " + framed.err().message};
  }
  auto text = ha::storage::decode_payload(*framed, file.string());
  if (!text) return error{errc::corrupt, text.err().message};
  return decode_snapshot(*text, file.string());
}

}  // namespace regent::task

#pragma once
/// What the stores of the `zookeeper` backend share: ZooKeeper holds pointers only — a pointer
/// znode's data is the name of a payload file (`<base>.<12 random hex>`, unique per write) in
/// the storage dir, framed with storage::encode_payload and written with write_atomic.
///
/// Order of a write: payload first, then the pointer in a fenced multi (the multi is the
/// commit, not the file write); after the pointer moved, the payload it named before is
/// deleted; a payload whose pointer write certainly failed is deleted. Order of a removal:
/// pointer first (fenced), payload second.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fenced_writer.hpp"
#include "multi_batcher.hpp"
#include "regent/ha/storage/file_io.hpp"

namespace regent::ha::zookeeper {

class pointer_files {
 public:
  pointer_files(zk_connection& conn, fenced_writer& writer, storage::file_io& io)
      : conn(conn), writer(writer), io(io) {}

  /// Called first by every store read: brings this session's server up to date (a `sync`),
  /// so a read sees every write committed before it began, whoever made it. Not needed (and
  /// skipped) while this process leads on its current session: its grant wrote the epoch on
  /// that session after every write of earlier leaders, ZooKeeper serves a session's reads
  /// after its own writes, and while it leads nobody else can write (the fence).
  result<void> fresh() const;

  /// Writes framed `bytes` to a fresh `<dir>/<base>.<hex>` (never over an existing file) and
  /// returns the file's name.
  result<std::string> write_payload(const std::filesystem::path& dir, const std::string& base, std::string_view bytes);
  /// Reads and unframes `<dir>/<name>`: errc::not_found when missing, errc::corrupt naming the
  /// file when its frame is bad.
  result<std::string> read_payload(const std::filesystem::path& dir, const std::string& name) const;
  /// Deletes a payload nothing points to any more; a failure leaves an orphan file (logged).
  void discard(const std::filesystem::path& dir, const std::string& name);
  /// `discard` for the payload of a write that certainly failed, then `dir` too when that
  /// leaves it empty (nothing of a job may outlive its cleanup, not even a folder).
  void discard_unwritten(const std::filesystem::path& dir, const std::string& name);
  /// Global cleanup of a job: deletes every payload file in `dir` for which `mine(name)` holds
  /// (leftovers of writes that were interrupted or whose outcome stayed unknown), and with
  /// `whole_folder` the folder itself once nothing else is in it. Safe only because a job in
  /// cleanup never runs again (it has a JobResultStore entry), so no leader writes for it.
  void sweep(const std::filesystem::path& dir, const std::function<bool(const std::string&)>& mine, bool whole_folder);

  struct pointer {
    std::string name;  ///< the payload file it names
    int version = 0;   ///< the znode's version
  };
  /// The pointer a read of `znode` found (`conn.get`, `conn.get_many`), checked to name a
  /// `<base>.<hex>` file: nullopt when there is no such znode, errc::corrupt naming the znode
  /// when its data is anything else.
  static result<std::optional<pointer>> pointer_of(result<std::optional<znode>> node, const std::string& znode_path,
                                                   const std::string& base);
  /// The pointer at `znode` (read and checked as `pointer_of` says).
  result<std::optional<pointer>> read_pointer(const std::string& znode, const std::string& base) const;
  /// The payload the pointer at `znode` names; nullopt when there is no pointer. A payload that
  /// vanishes under the read (the leader replaced it meanwhile) is read again through the new
  /// pointer; one that stays missing is errc::corrupt naming the znode and the file.
  result<std::optional<std::string>> read_through(const std::string& znode, const std::filesystem::path& dir,
                                                  const std::string& base) const;

  /// Where one of many reads finds its payload (read_through_many).
  struct pointer_target {
    std::string znode;
    std::filesystem::path dir;
    std::string base;
  };
  /// `read_through` of many pointers, one result per target in order: the pointers are read
  /// in one pipelined batch (zk_connection::get_many), then the payloads; a payload that
  /// vanished under the read is read again through `read_through`.
  std::vector<result<std::optional<std::string>>> read_through_many(const std::vector<pointer_target>& targets) const;

  /// Whether a write also sets the pointer's parent node (to no data) in its multi, so the
  /// parent's mzxid is the zxid of the folder's last write (see graph_cache).
  enum class stamp { none, parent };
  /// Creates or replaces the pointer at `znode` with a new payload of `bytes` in `dir`, its
  /// missing ancestors below `top` created in the same fenced multi.
  result<void> put(const fencing_token& token, const std::string& znode, const std::string& top,
                   const std::filesystem::path& dir, const std::string& base, std::string_view bytes,
                   stamp st = stamp::none);
  /// Removes the pointer at `znode` (fenced; a missing one is fine) and then its payload.
  result<void> remove(const fencing_token& token, const std::string& znode, const std::filesystem::path& dir,
                      const std::string& base, stamp st = stamp::none);

  /// Removes the znode `folder` with all its children in one fenced multi, then deletes the
  /// payloads in `dir` named by the children for which `is_pointer(name, data)` holds, and
  /// sweeps `dir` of any payload left (with the folder itself): a job's global cleanup.
  result<void> remove_folder(const fencing_token& token, const std::string& folder, const std::filesystem::path& dir,
                             const std::function<bool(const std::string& name, const std::string& data)>& is_pointer);

  /// Create ops for the ancestors of `path` strictly below `top` that do not exist, top-down.
  result<std::vector<zk_op>> missing_parents(const std::string& path, const std::string& top) const;
  /// Removes `path` and then each ancestor strictly below `top` while they are empty (fenced;
  /// best effort: a failure is logged, a folder that is not empty stays).
  void prune_empty(const fencing_token& token, std::string path, const std::string& top);

  zk_connection& conn;
  fenced_writer& writer;
  storage::file_io& io;
  /// The hot writes of all jobs (checkpoints, id counters), batched into shared multis.
  multi_batcher batcher{writer};
};

/// errc::invalid_argument unless `job` is set.
result<void> check_job(const job_id& job);

}  // namespace regent::ha::zookeeper

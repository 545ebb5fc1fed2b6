#include "pointer_files.hpp"

#include <unistd.h>

#include "layout.hpp"
#include "regent/ha/errc.hpp"
#include "regent/ha/storage/payload.hpp"
#include "regent/runtime/logging.hpp"

namespace regent::ha::zookeeper {

namespace fs = std::filesystem;

namespace {
constexpr int name_attempts = 10;
constexpr int read_attempts = 3;

/// Znode data as it may be shown in a message: short, printable.
std::string shown(const std::string& data) {
  std::string s = data.size() > 60 ? data.substr(0, 60) + "..." : data;
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }
}  // namespace

result<void> check_job(const job_id& job) {
  if (job.empty()) return error{errc::invalid_argument, "empty job id"};
  return ok();
}

result<void> pointer_files::fresh() const {
  if (auto leading = writer.leading_generation()) {
    auto s = conn.connected_now();
    if (s && s->generation == *leading) return ok();
  }
  return conn.sync_reads();
}

result<std::string> pointer_files::write_payload(const fs::path& dir, const std::string& base, std::string_view bytes) {
  auto framed = storage::encode_payload(bytes);
  for (int attempt = 0; attempt < name_attempts; ++attempt) {
    auto name = new_payload_name(base);
    auto r = io.write_atomic(dir / name, framed, /*no_replace=*/true);
    if (r) return name;
    if (r.err().code != errc::already_exists) return std::move(r).err();
  }
  return error{errc::io, "no free payload file name for " + (dir / base).string() + ".* after " +
                             std::to_string(name_attempts) + " attempts"};
}

result<std::string> pointer_files::read_payload(const fs::path& dir, const std::string& name) const {
  auto file = dir / name;
  auto raw = io.read(file);
  if (!raw) return std::move(raw).err();
  return storage::decode_payload(*raw, file.string());
}

void pointer_files::discard(const fs::path& dir, const std::string& name) {
  if (auto r = io.remove(dir / name); !r)
    logging::get("ha")->warn("cannot delete payload {} (now an orphan): {}", (dir / name).string(), r.err().message);
}

void pointer_files::discard_unwritten(const fs::path& dir, const std::string& name) {
  discard(dir, name);
  // The folder may exist only because of this payload: a deposed leader writing for a job that
  // the new leader has ended and cleaned up meanwhile. Removed when empty (rmdir refuses
  // otherwise); a writer racing into it fails its write, which it retries.
  ::rmdir(dir.c_str());
}

result<void> pointer_files::remove_folder(
    const fencing_token& token, const std::string& folder, const fs::path& dir,
    const std::function<bool(const std::string&, const std::string&)>& is_pointer) {
  std::vector<std::string> payloads;
  auto build = [&]() -> result<std::vector<zk_op>> {
    payloads.clear();
    std::vector<zk_op> ops;
    auto names = conn.children(folder);
    if (!names) return std::move(names).err();
    if (!*names) return ops;
    for (const auto& name : **names) {
      auto n = conn.get(folder + "/" + name);
      if (!n) return std::move(n).err();
      if (!*n) continue;
      if (is_pointer(name, (*n)->data)) payloads.push_back((*n)->data);
      ops.push_back(zk_op::remove(folder + "/" + name, (*n)->stat.version));
    }
    ops.push_back(zk_op::remove(folder, -1));
    return ops;
  };
  auto applied = [&]() -> result<bool> {
    auto st = conn.exists(folder);
    if (!st) return std::move(st).err();
    return !st->has_value();
  };
  if (auto r = writer.write(token, build, applied); !r) return std::move(r).err();
  for (const auto& file : payloads) discard(dir, file);
  sweep(
      dir, [](const std::string& name) { return has_payload_suffix(name); }, /*whole_folder=*/true);
  return ok();
}

void pointer_files::sweep(const fs::path& dir, const std::function<bool(const std::string&)>& mine, bool whole_folder) {
  auto names = io.list(dir);
  if (!names) {
    logging::get("ha")->warn("cannot list {} for cleanup: {}", dir.string(), names.err().message);
    return;
  }
  bool others = false;
  for (const auto& name : *names) {
    if (mine(name)) {
      discard(dir, name);
    } else {
      others = true;
    }
  }
  if (whole_folder && !others) {
    if (auto r = io.remove_all(dir); !r)
      logging::get("ha")->warn("cannot remove {}: {}", dir.string(), r.err().message);
  }
}

result<std::optional<pointer_files::pointer>> pointer_files::pointer_of(result<std::optional<znode>> node,
                                                                        const std::string& znode_path,
                                                                        const std::string& base) {
  if (!node) return std::move(node).err();
  if (!*node) return std::optional<pointer>();
  if (!is_payload_name((*node)->data, base))
    return error{errc::corrupt, "corrupt pointer in ZooKeeper node " + znode_path + ": '" + shown((*node)->data) +
                                    "' does not name a payload file " + base + ".<12 hex>"};
  return std::optional<pointer>(pointer{(*node)->data, (*node)->stat.version});
}

result<std::optional<pointer_files::pointer>> pointer_files::read_pointer(const std::string& znode,
                                                                          const std::string& base) const {
  return pointer_of(conn.get(znode), znode, base);
}

std::vector<result<std::optional<std::string>>> pointer_files::read_through_many(
    const std::vector<pointer_target>& targets) const {
  std::vector<std::string> paths;
  paths.reserve(targets.size());
  for (const auto& t : targets) paths.push_back(t.znode);
  auto nodes = conn.get_many(paths);
  std::vector<result<std::optional<std::string>>> out;
  out.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    auto p = pointer_of(std::move(nodes[i]), t.znode, t.base);
    if (!p) {
      out.emplace_back(std::move(p).err());
    } else if (!*p) {
      out.emplace_back(std::optional<std::string>());
    } else if (auto bytes = read_payload(t.dir, (*p)->name)) {
      out.emplace_back(std::optional<std::string>(std::move(*bytes)));
    } else if (bytes.err().code != errc::not_found) {
      out.emplace_back(std::move(bytes).err());
    } else {
      out.push_back(read_through(t.znode, t.dir, t.base));  // replaced meanwhile: read again
    }
  }
  return out;
}

result<std::optional<std::string>> pointer_files::read_through(const std::string& znode, const fs::path& dir,
                                                               const std::string& base) const {
  for (int attempt = 1;; ++attempt) {
    auto p = read_pointer(znode, base);
    if (!p) return std::move(p).err();
    if (!*p) return std::optional<std::string>();
    auto bytes = read_payload(dir, (*p)->name);
    if (bytes) return std::optional<std::string>(std::move(*bytes));
    if (bytes.err().code != errc::not_found) return std::move(bytes).err();
    if (attempt == read_attempts)
      return error{errc::corrupt, "ZooKeeper node " + znode + " names payload file " + (dir / (*p)->name).string() +
                                      ", which does not exist"};
  }
}

result<std::vector<zk_op>> pointer_files::missing_parents(const std::string& path, const std::string& top) const {
  // Bottom-up: usually the parent exists and one read settles it.
  std::vector<std::string> missing;
  for (auto p = parent_of(path); p.size() > top.size() && p.compare(0, top.size(), top) == 0; p = parent_of(p)) {
    auto st = conn.exists(p);
    if (!st) return std::move(st).err();
    if (st->has_value()) break;
    missing.push_back(p);
  }
  std::vector<zk_op> ops;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) ops.push_back(zk_op::create(*it, "", ZOO_PERSISTENT));
  return ops;
}

result<void> pointer_files::put(const fencing_token& token, const std::string& znode, const std::string& top,
                                const fs::path& dir, const std::string& base, std::string_view bytes, stamp st) {
  if (auto r = writer.holds(token); !r) return r;
  auto name = write_payload(dir, base, bytes);
  if (!name) return std::move(name).err();
  std::optional<std::string> old;
  auto build = [&]() -> result<std::vector<zk_op>> {
    old.reset();
    auto node = conn.get(znode);
    if (!node) return std::move(node).err();
    if (*node) {
      if (is_payload_name((*node)->data, base)) old = (*node)->data;
      std::vector<zk_op> ops{zk_op::set(znode, *name, (*node)->stat.version)};
      if (st == stamp::parent) ops.push_back(zk_op::set(parent_of(znode), "", -1));
      return ops;
    }
    auto ops = missing_parents(znode, top);
    if (!ops) return ops;
    // A parent this multi creates has the multi's zxid already.
    if (st == stamp::parent && (ops->empty() || ops->back().path != parent_of(znode)))
      ops->push_back(zk_op::set(parent_of(znode), "", -1));
    ops->push_back(zk_op::create(znode, *name, ZOO_PERSISTENT));
    return ops;
  };
  auto applied = [&]() -> result<bool> {
    auto node = conn.get(znode);
    if (!node) return std::move(node).err();
    return *node && (*node)->data == *name;
  };
  bool unknown = false;
  auto r = writer.write(token, build, applied, &unknown);
  if (!r) {
    if (!unknown) discard_unwritten(dir, *name);
    return std::move(r).err();
  }
  if (old && *old != *name) discard(dir, *old);
  return ok();
}

result<void> pointer_files::remove(const fencing_token& token, const std::string& znode, const fs::path& dir,
                                   const std::string& base, stamp st) {
  std::optional<std::string> old;
  auto build = [&]() -> result<std::vector<zk_op>> {
    old.reset();
    std::vector<zk_op> ops;
    auto node = conn.get(znode);
    if (!node) return std::move(node).err();
    if (*node) {
      if (is_payload_name((*node)->data, base)) old = (*node)->data;
      ops.push_back(zk_op::remove(znode, (*node)->stat.version));
      if (st == stamp::parent) ops.push_back(zk_op::set(parent_of(znode), "", -1));
    }
    return ops;
  };
  auto applied = [&]() -> result<bool> {
    auto st = conn.exists(znode);
    if (!st) return std::move(st).err();
    return !st->has_value();
  };
  auto r = writer.write(token, build, applied);
  if (!r) return std::move(r).err();
  if (old) discard(dir, *old);
  return ok();
}

void pointer_files::prune_empty(const fencing_token& token, std::string path, const std::string& top) {
  while (path.size() > top.size() + 1 && path.compare(0, top.size() + 1, top + "/") == 0) {
    auto kids = conn.children(path);
    if (!kids) {
      logging::get("ha")->warn("cannot prune {}: {}", path, kids.err().message);
      return;
    }
    if (*kids) {
      if (!(*kids)->empty()) return;
      const auto target = path;
      auto r = writer.write(
          token, [&]() -> result<std::vector<zk_op>> { return std::vector<zk_op>{zk_op::remove(target, -1)}; },
          [&]() -> result<bool> {
            auto st = conn.exists(target);
            if (!st) return std::move(st).err();
            return !st->has_value();
          });
      if (!r) {
        logging::get("ha")->debug("left {} in place: {}", path, r.err().message);
        return;
      }
    }
    path = parent_of(path);
  }
}

}  // namespace regent::ha::zookeeper

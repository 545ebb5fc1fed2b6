#include "layout.hpp"

#include <charconv>
#include <cstdio>

#include "regent/ha/errc.hpp"
#include "regent/runtime/random.hpp"

namespace regent::ha::zookeeper {

namespace {
constexpr std::size_t suffix_hex = 12;

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
}  // namespace

std::string znode_layout::checkpoint(const job_id& j, std::uint64_t id) const {
  return checkpoints(j) + "/" + checkpoint_name(id);
}

std::string checkpoint_name(std::uint64_t id) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%019llu", static_cast<unsigned long long>(id));
  return buf;
}

std::optional<std::uint64_t> parse_checkpoint_name(const std::string& name) {
  if (name.size() != 19) return std::nullopt;
  for (char c : name)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc{} || end != name.data() + name.size()) return std::nullopt;
  return id;
}

std::string new_payload_name(const std::string& base) {
  static const char digits[] = "0123456789abcdef";
  std::uint64_t r = random_source::instance().next();
  std::string name = base + ".";
  for (std::size_t i = 0; i < suffix_hex; ++i) {
    name += digits[r & 0xf];
    r >>= 4;
  }
  return name;
}

bool has_payload_suffix(const std::string& name) {
  if (name.size() < suffix_hex + 2) return false;
  std::size_t dot = name.size() - suffix_hex - 1;
  if (name[dot] != '.') return false;
  for (std::size_t i = dot + 1; i < name.size(); ++i)
    if (!is_lower_hex(name[i])) return false;
  return true;
}

bool is_payload_name(const std::string& name, const std::string& base) {
  return name.size() == base.size() + 1 + suffix_hex && name.compare(0, base.size(), base) == 0 &&
         has_payload_suffix(name);
}

result<std::uint64_t> parse_decimal(const std::string& data, const std::string& what, const std::string& path) {
  std::uint64_t value = 0;
  const char* b = data.data();
  const char* e = b + data.size();
  auto [end, ec] = std::from_chars(b, e, value);
  if (data.empty() || ec != std::errc{} || end != e || value == 0) {
    std::string shown = data.size() > 40 ? data.substr(0, 40) + "..." : data;
    for (auto& c : shown)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    return error{errc::corrupt,
                 "corrupt " + what + " in ZooKeeper node " + path + ": '" + shown + "' is not a positive number"};
  }
  return value;
}

std::string trim_slashes(const std::string& s) {
  auto b = s.find_first_not_of('/');
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of('/');
  return s.substr(b, e - b + 1);
}

result<std::string> make_namespace(const std::string& path_root, const std::string& cluster_id) {
  if (path_root.empty() || path_root.front() != '/')
    return error{errc::invalid_argument,
                 "high-availability.zookeeper.path.root: '" + path_root + "' must start with '/'"};
  std::string root = trim_slashes(path_root);
  std::string id = trim_slashes(cluster_id);
  if (id.empty()) return error{errc::invalid_argument, "high-availability.cluster-id: '" + cluster_id + "' is empty"};
  auto bad = [](const std::string& part) {
    if (part.find("//") != std::string::npos) return true;
    for (std::size_t b = 0; b <= part.size();) {
      auto e = part.find('/', b);
      auto seg = part.substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (seg == "." || seg == "..") return true;
      if (e == std::string::npos) break;
      b = e + 1;
    }
    return false;
  };
  if (bad(root))
    return error{errc::invalid_argument,
                 "high-availability.zookeeper.path.root: '" + path_root + "' is not a usable ZooKeeper path"};
  if (bad(id) || id.find('/') != std::string::npos)
    return error{errc::invalid_argument,
                 "high-availability.cluster-id: '" + cluster_id + "' is not usable as one ZooKeeper node name"};
  std::string ns = (root.empty() ? "" : "/" + root) + "/" + id;
  if (ns == "/zookeeper" || ns.rfind("/zookeeper/", 0) == 0)
    return error{errc::invalid_argument, "high-availability.zookeeper.path.root: '" + path_root +
                                             "' lies in ZooKeeper's reserved /zookeeper tree"};
  return ns;
}

}  // namespace regent::ha::zookeeper

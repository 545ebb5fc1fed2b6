#include "kube_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "regent/ha/errc.hpp"

namespace regent::ha::kubernetes {

namespace fs = std::filesystem;

namespace {

error bad(const std::string& where, const std::string& why) {
  return error{errc::invalid_argument, where + ": " + why};
}

result<std::string> read_file(const std::string& file, const std::string& what) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return bad(file, "cannot read " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

/// "https://host:port[/]" → host, port; IPv6 in brackets.
result<std::pair<std::string, std::string>> split_server(const std::string& server, const std::string& where) {
  const std::string scheme = "https://";
  if (server.rfind(scheme, 0) != 0) return bad(where, "server '" + server + "' must be an https:// URL");
  std::string rest = server.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  std::string host = rest, port = "443";
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return bad(where, "server '" + server + "' has an unclosed '['");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || port.empty()) return bad(where, "server '" + server + "' has no host or port");
  return std::make_pair(host, port);
}

/// A named entry of a kubeconfig list (clusters, users, contexts).
YAML::Node find_named(const YAML::Node& list, const std::string& name) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& item : list)
    if (item["name"] && item["name"].as<std::string>() == name) return item;
  return YAML::Node();
}

/// A field given as a file path (`key`) or inline base64 (`key-data`).
result<std::string> file_or_data(const YAML::Node& node, const std::string& key, const fs::path& base,
                                 const std::string& where, const kubeconfig_file_reader& read) {
  if (auto data = node[key + "-data"]) {
    auto decoded = decode_base64(data.as<std::string>());
    if (!decoded) return bad(where, key + "-data is not base64");
    return *decoded;
  }
  if (auto path = node[key]) {
    fs::path p = path.as<std::string>();
    if (p.is_relative()) p = base / p;
    return read(p.string(), key + " named in " + where);
  }
  return std::string();
}

}  // namespace

std::optional<std::string> decode_base64(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0, pad = 0;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    int v = value(c);
    if (v < 0 || pad > 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if (pad > 2) return std::nullopt;
  return out;
}

result<cluster_access> load_in_cluster(const std::string& sa_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0')
    return bad("KUBERNETES_SERVICE_HOST",
               "not set: not running in a Kubernetes pod (set kubernetes.config.file to use a kubeconfig)");
  if (port == nullptr || *port == '\0') return bad("KUBERNETES_SERVICE_PORT", "not set");
  cluster_access a;
  a.endpoint.host = host;
  a.endpoint.port = port;
  a.endpoint.origin = "the service account in " + sa_dir;
  fs::path dir(sa_dir);
  a.endpoint.token_file = (dir / "token").string();
  auto token = read_file(a.endpoint.token_file, "the service-account token");
  if (!token) return std::move(token).err();
  if (trimmed(*token).empty()) return bad(a.endpoint.token_file, "the service-account token is empty");
  auto ca = read_file((dir / "ca.crt").string(), "the service-account CA certificate");
  if (!ca) return std::move(ca).err();
  a.endpoint.ca_pem = std::move(*ca);
  if (auto ns = read_file((dir / "namespace").string(), "the namespace")) a.namespace_name = trimmed(*ns);
  return a;
}

result<cluster_access> load_kubeconfig(const std::string& file) {
  auto text = read_file(file, "the kubeconfig (kubernetes.config.file)");
  if (!text) return std::move(text).err();
  return parse_kubeconfig(*text, file, read_file);
}

result<cluster_access> parse_kubeconfig(const std::string& text, const std::string& file,
                                        const kubeconfig_file_reader& read) {
  const std::string where = "kubernetes.config.file " + file;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return bad(where, "is not a kubeconfig (no map at the top)");
    std::string context_name = root["current-context"] ? root["current-context"].as<std::string>() : "";
    YAML::Node context = find_named(root["contexts"], context_name);
    if (!context || !context["context"]) return bad(where, "has no context '" + context_name + "' (current-context)");
    auto ctx = context["context"];
    std::string cluster_name = ctx["cluster"] ? ctx["cluster"].as<std::string>() : "";
    std::string user_name = ctx["user"] ? ctx["user"].as<std::string>() : "";
    YAML::Node cluster = find_named(root["clusters"], cluster_name)["cluster"];
    if (!cluster) return bad(where, "has no cluster '" + cluster_name + "'");
    if (!cluster["server"]) return bad(where, "cluster '" + cluster_name + "' has no server");
    auto hp = split_server(cluster["server"].as<std::string>(), where);
    if (!hp) return std::move(hp).err();
    cluster_access a;
    a.endpoint.host = hp->first;
    a.endpoint.port = hp->second;
    a.endpoint.origin = where;
    if (ctx["namespace"]) a.namespace_name = ctx["namespace"].as<std::string>();
    fs::path base = fs::path(file).parent_path();
    auto ca = file_or_data(cluster, "certificate-authority", base, where, read);
    if (!ca) return std::move(ca).err();
    a.endpoint.ca_pem = std::move(*ca);
    YAML::Node user = find_named(root["users"], user_name)["user"];
    if (!user) return bad(where, "has no user '" + user_name + "'");
    if (user["token"]) a.endpoint.token = user["token"].as<std::string>();
    if (user["tokenFile"]) {
      fs::path p = user["tokenFile"].as<std::string>();
      a.endpoint.token_file = (p.is_relative() ? base / p : p).string();
      if (auto t = read(a.endpoint.token_file, "the tokenFile named in " + where); !t) return std::move(t).err();
    }
    auto cert = file_or_data(user, "client-certificate", base, where, read);
    if (!cert) return std::move(cert).err();
    auto key = file_or_data(user, "client-key", base, where, read);
    if (!key) return std::move(key).err();
    a.endpoint.client_cert_pem = std::move(*cert);
    a.endpoint.client_key_pem = std::move(*key);
    if (a.endpoint.client_cert_pem.empty() != a.endpoint.client_key_pem.empty())
      return bad(where, "user '" + user_name + "' has a client certificate without a key, or a key without one");
    if (a.endpoint.token.empty() && a.endpoint.token_file.empty() && a.endpoint.client_cert_pem.empty())
      return bad(where, "user '" + user_name + "' has neither a token nor a client certificate");
    return a;
  } catch (const YAML::Exception& e) {
    return bad(where, std::string("is not valid YAML: ") + e.what());
  }
}

}  // namespace regent::ha::kubernetes

#pragma once
/// Key material for the TLS tests, made once per test process by scripts/make-tls.sh: two conf
/// dirs with their own CA each (`ours`, `theirs`), in both formats, and the settings a config
/// with `-D` overrides turns them into (so errors name the keys as a user would see them).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "regent/config/configuration.hpp"
#include "regent/config/settings.hpp"
#include "regent/tls/tls_context.hpp"

namespace regent::test {

namespace fs = std::filesystem;

/// `<tmp>/regent-tls-<pid>/{ours,theirs}/tls/...`, made on first use and kept for the process.
inline const fs::path& material_root() {
  static const fs::path root = [] {
    fs::path r = fs::temp_directory_path() / ("regent-tls-test-" + std::to_string(::getpid()));
    fs::remove_all(r);
    for (const char* who : {"ours", "theirs"}) {
      std::string cmd = std::string(REGENT_SOURCE_DIR) + "/scripts/make-tls.sh --no-config --password s3cret " +
                        (r / who).string() + " > /dev/null";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("scripts/make-tls.sh failed: " + cmd);
    }
    std::atexit([] { fs::remove_all(fs::temp_directory_path() / ("regent-tls-test-" + std::to_string(::getpid()))); });
    return r;
  }();
  return root;
}

inline std::string tls_file(const std::string& who, const std::string& name) {
  return (material_root() / who / "tls" / name).string();
}

/// The keystore and truststore password given to make-tls.sh.
inline const std::string& password() {
  static const std::string p = "s3cret";
  return p;
}

/// The `security.ssl.<kind>.*` settings of `-D` overrides (each "key=value", key without the
/// `security.ssl.<kind>.` prefix), or the error validation gives.
inline result<config::ssl_settings> ssl_from(const std::vector<std::string>& overrides,
                                             const std::string& kind = "internal") {
  std::vector<std::string> d;
  for (auto& o : overrides) d.push_back("security.ssl." + kind + "." + o);
  auto conf = config::configuration::load(material_root() / "no-such-conf", d);
  if (!conf) return std::move(conf).err();
  return config::validate_ssl(*conf, kind);
}

/// PEM settings of `who` (enabled).
inline config::ssl_settings pem(const std::string& who = "ours", const std::string& kind = "internal") {
  auto s = ssl_from({"enabled=true", "cert=" + tls_file(who, "node.crt"), "key=" + tls_file(who, "node.key"),
                     "trusted-ca=" + tls_file(who, "ca.crt")},
                    kind);
  EXPECT_TRUE(s) << s.err().message;
  return *s;
}

/// PKCS12 settings of `who` (enabled).
inline config::ssl_settings pkcs12(const std::string& who = "ours", const std::string& kind = "internal") {
  auto s = ssl_from({"enabled=true", "keystore=" + tls_file(who, "keystore.p12"), "keystore-password=" + password(),
                     "truststore=" + tls_file(who, "truststore.p12"), "truststore-password=" + password()},
                    kind);
  EXPECT_TRUE(s) << s.err().message;
  return *s;
}

}  // namespace regent::test

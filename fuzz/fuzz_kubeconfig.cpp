/// The kubeconfig (`kubernetes.config.file`, ha/kubernetes/src/kube_config.cpp): YAML with the
/// current context's cluster (server URL, CA as a file or base64 data) and user (token,
/// tokenFile, client certificate and key). Files it names are not read from the disk here:
/// a fake reader answers with their name, or with an error for names containing "missing".
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "kube_config.hpp"
#include "regent/ha/errc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace regent::ha::kubernetes;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto reader = [](const std::string& file, const std::string& what) -> regent::result<std::string> {
    if (file.find("missing") != std::string::npos) return regent::error{regent::ha::errc::invalid_argument, file + ": cannot read " + what};
    return "contents of " + file;
  };
  if (auto a = parse_kubeconfig(text, "/fuzz/kubeconfig", reader)) {
    REGENT_FUZZ_CHECK(!a->endpoint.host.empty() && !a->endpoint.port.empty());
    REGENT_FUZZ_CHECK(!a->endpoint.token.empty() || !a->endpoint.token_file.empty() ||
                      !a->endpoint.client_cert_pem.empty());
  }
  (void)decode_base64(text);
  return 0;
}

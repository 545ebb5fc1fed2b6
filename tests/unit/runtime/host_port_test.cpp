#include "regent/runtime/host_port.hpp"

#include <gtest/gtest.h>

#include "regent/runtime/errc.hpp"

namespace regent {
namespace {

TEST(host_port, parses_names_addresses_and_bracketed_ipv6) {
  EXPECT_EQ(*parse_host_port("localhost:6123"), (host_port{"localhost", 6123}));
  EXPECT_EQ(*parse_host_port("10.0.0.7:1"), (host_port{"10.0.0.7", 1}));
  EXPECT_EQ(*parse_host_port("[::1]:65535"), (host_port{"::1", 65535}));
  EXPECT_EQ(parse_host_port("[::1]:8081")->to_string(), "[::1]:8081");
  EXPECT_EQ(parse_host_port("jm-0:8081")->to_string(), "jm-0:8081");
}

TEST(host_port, a_missing_port_takes_the_default_only_when_there_is_one) {
  EXPECT_EQ(*parse_host_port("master-1", 8081), (host_port{"master-1", 8081}));
  EXPECT_EQ(*parse_host_port("[fe80::2]", 8081), (host_port{"fe80::2", 8081}));
  auto r = parse_host_port("master-1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("no port"), std::string::npos) << r.err().message;
}

TEST(host_port, garbage_is_an_error_that_quotes_it_and_never_throws) {
  for (const char* text :
       {"", ":", ":80", "host:", "host:http", "host:-1", "host:0", "host:65536", "host:99999999999999999999",
        "host:80x", "host: 80", "::1:80", "[::1", "[::1]80", "[]:80", "a b:80", "a/b:80", "host:+80", "host:8\n0"}) {
    auto r = parse_host_port(text);
    EXPECT_FALSE(r.ok()) << "'" << text << "' was accepted";
    if (r.ok()) continue;
    const std::string t(text);
    const bool range = t == "host:0" || t == "host:65536" || t == "host:99999999999999999999";
    EXPECT_EQ(r.err().code, range ? runtime_errc::out_of_range : runtime_errc::invalid_argument) << text;
    EXPECT_EQ(r.err().message.rfind("'" + std::string(text) + "' is not host:port: ", 0), 0u) << r.err().message;
  }
}

}  // namespace
}  // namespace regent

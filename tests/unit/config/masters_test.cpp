// conf/masters and conf/workers: comments, blank lines, whitespace, and every bad line.
#include <gtest/gtest.h>

#include "regent/config/configuration.hpp"
#include "test_support.hpp"

namespace regent::config {
namespace {

using testing_support::expect_error;
using testing_support::temp_dir;

TEST(read_masters, parses_hosts_with_and_without_ports) {
  temp_dir dir;
  auto file = dir.write("masters", "# the masters\n\n  localhost:8081  \nhost-b\r\n10.0.0.3:8082 # third\n\t\n");
  auto m = read_masters(file);
  ASSERT_TRUE(m.ok()) << m.err().message;
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].host, "localhost");
  EXPECT_EQ((*m)[0].webui_port, 8081);
  EXPECT_EQ((*m)[0].line, 3);
  EXPECT_EQ((*m)[1].host, "host-b");
  EXPECT_EQ((*m)[1].webui_port, 0);
  EXPECT_EQ((*m)[1].line, 4);
  EXPECT_EQ((*m)[2].host, "10.0.0.3");
  EXPECT_EQ((*m)[2].webui_port, 8082);
  EXPECT_EQ((*m)[2].line, 5);
}

TEST(read_masters, an_empty_file_has_no_masters) {
  temp_dir dir;
  auto m = read_masters(dir.write("masters", "# nothing yet\n"));
  ASSERT_TRUE(m.ok()) << m.err().message;
  EXPECT_TRUE(m->empty());
}

TEST(read_masters, bad_lines_name_file_and_line) {
  temp_dir dir;
  auto f = dir.write("masters", "localhost:8081\n:8082\n");
  expect_error(read_masters(f), errc::parse, {f.string() + ":2", "empty host", "host[:webui-port]"});
  f = dir.write("masters", "localhost:http\n");
  expect_error(read_masters(f), errc::parse, {f.string() + ":1", "'http' is not a port"});
  f = dir.write("masters", "localhost:\n");
  expect_error(read_masters(f), errc::parse, {f.string() + ":1", "is not a port"});
  f = dir.write("masters", "# c\nlocalhost:-1\n");
  expect_error(read_masters(f), errc::parse, {f.string() + ":2"});
  f = dir.write("masters", "\n\nlocalhost:70000\n");
  expect_error(read_masters(f), errc::out_of_range, {f.string() + ":3", "70000", "1..65535"});
  f = dir.write("masters", "localhost:0\n");
  expect_error(read_masters(f), errc::out_of_range, {f.string() + ":1"});
  f = dir.write("masters", "localhost:8081 8082\n");
  expect_error(read_masters(f), errc::parse, {f.string() + ":1", "extra field '8082'"});
}

TEST(read_masters, a_missing_file_is_an_io_error_naming_it) {
  temp_dir dir;
  expect_error(read_masters(dir.path() / "masters"), errc::io, {(dir.path() / "masters").string()});
}

TEST(read_workers, one_host_per_line_and_hosts_may_repeat) {
  temp_dir dir;
  auto w = read_workers(dir.write("workers", "localhost\n# comment\n\n localhost \nworker-2 # rack 2\n"));
  ASSERT_TRUE(w.ok()) << w.err().message;
  EXPECT_EQ(*w, (std::vector<std::string>{"localhost", "localhost", "worker-2"}));
}

TEST(read_workers, bad_lines_and_missing_files) {
  temp_dir dir;
  auto f = dir.write("workers", "localhost\nhost-a host-b\n");
  expect_error(read_workers(f), errc::parse, {f.string() + ":2", "extra field 'host-b'"});
  expect_error(read_workers(dir.path() / "nope"), errc::io, {(dir.path() / "nope").string()});
}

}  // namespace
TEST(parse_masters, text_without_a_file_names_the_given_name_and_line) {
  // What fuzz/fuzz_config.cpp drives: the same rules on text, the error naming the caller's name.
  auto m = parse_masters("a:8081\nb:99999\n", "conf/masters");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.err().code, errc::out_of_range);
  EXPECT_NE(m.err().message.find("conf/masters:2:"), std::string::npos) << m.err().message;
  auto w = parse_workers("w1\n\nw1 # again\n", "conf/workers");
  ASSERT_TRUE(w.ok()) << w.err().message;
  EXPECT_EQ(*w, (std::vector<std::string>{"w1", "w1"}));
}

}  // namespace regent::config

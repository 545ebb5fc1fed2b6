// The REST request path without a socket: parse_http_request (the server's parser, limits and
// conversion) and the routing helpers the gateway uses (rest_request.hpp). Inputs are the
// kind fuzz/fuzz_rest_request.cpp explores.
#include <gtest/gtest.h>

#include "regent/rpc/rest_request.hpp"
#include "regent/rpc/rest_server.hpp"

namespace regent::rpc {
namespace {

TEST(parse_http_request, a_post_yields_method_target_content_type_and_body) {
  auto p = parse_http_request(
      "POST /v1/jobs?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 1024);
  ASSERT_TRUE(p.ok()) << p.err().message;
  EXPECT_EQ(p->request.method, "POST");
  EXPECT_EQ(p->request.target, "/v1/jobs?x=1");
  EXPECT_EQ(p->request.content_type, "application/json");
  EXPECT_EQ(p->request.body, "{}");
  EXPECT_TRUE(p->keep_alive);
}

TEST(parse_http_request, pipelined_requests_are_parsed_one_at_a_time) {
  const std::string two = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
  auto first = parse_http_request(two, 1024);
  ASSERT_TRUE(first.ok()) << first.err().message;
  EXPECT_EQ(first->request.target, "/a");
  auto second = parse_http_request(std::string_view(two).substr(first->consumed), 1024);
  ASSERT_TRUE(second.ok()) << second.err().message;
  EXPECT_EQ(second->request.target, "/b");
}

TEST(parse_http_request, a_body_over_the_limit_is_413_and_garbage_or_a_cut_request_is_400) {
  auto big = parse_http_request("POST /jobs HTTP/1.1\r\nContent-Length: 100\r\n\r\n", 10);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.err().message.rfind("413 ", 0), 0u) << big.err().message;
  auto garbage = parse_http_request("\x01\x02 nonsense\r\n\r\n", 10);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.err().message.rfind("400 ", 0), 0u) << garbage.err().message;
  auto cut = parse_http_request("POST /jobs HTTP/1.1\r\nContent-Length: 5\r\n\r\n{}", 10);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.err().message.rfind("400 ", 0), 0u) << cut.err().message;
  auto empty = parse_http_request("", 10);
  EXPECT_FALSE(empty.ok());
}

TEST(rest_request, paths_drop_the_query_empty_segments_and_the_v1_prefix) {
  EXPECT_EQ(split_path("/v1//jobs/abc/?mode=cancel"), (std::vector<std::string>{"jobs", "abc"}));
  EXPECT_TRUE(split_path("?/x").empty());
  EXPECT_EQ(query_param("/jobs/a?x=1&mode=cancel&mode=2", "mode"), "cancel");
  EXPECT_EQ(query_param("/jobs/a?mode", "mode"), "");
  EXPECT_EQ(query_param("/jobs/a", "mode"), "");
}

TEST(rest_request, upload_names_never_leave_the_uploads_folder) {
  EXPECT_TRUE(safe_file_name("libudf.so"));
  EXPECT_FALSE(safe_file_name(""));
  EXPECT_FALSE(safe_file_name("../x"));
  EXPECT_FALSE(safe_file_name(".hidden"));
  EXPECT_FALSE(safe_file_name("a/b"));
  EXPECT_FALSE(safe_file_name("a\\b"));
  EXPECT_FALSE(safe_file_name(std::string("a\nb")));
  EXPECT_FALSE(safe_file_name(std::string(201, 'a')));
}

TEST(rest_request, the_jarfile_part_of_a_multipart_body_is_found_and_cut_bodies_are_refused) {
  const std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"libudf.so\"\r\n\r\nELF\r\n--B--\r\n";
  auto part = multipart_file("multipart/form-data; boundary=\"B\"", body);
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->first, "libudf.so");
  EXPECT_EQ(part->second, "ELF");
  EXPECT_FALSE(multipart_file("multipart/form-data", body).has_value());
  EXPECT_FALSE(multipart_file("multipart/form-data; boundary=B", body.substr(0, 80)).has_value());
  // A filename without its closing quote takes the rest of the part's head.
  auto open_quote =
      multipart_file("multipart/form-data; boundary=B",
                     "--B\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"x\r\n\r\n1\r\n--B--");
  ASSERT_TRUE(open_quote.has_value());
  EXPECT_EQ(open_quote->first, "x");
}

TEST(rest_request, routes_follow_flinks_paths_and_name_the_job_segment_unchecked) {
  auto route = [](const std::string& method, const std::string& target) {
    return route_of(method, split_path(target));
  };
  EXPECT_EQ(route("GET", "/v1/overview").route, rest_route::overview);
  EXPECT_EQ(route("GET", "/cluster/leader/history").route, rest_route::leader_history);
  EXPECT_EQ(route("GET", "/").route, rest_route::dashboard);
  EXPECT_EQ(route("GET", "/web/app.js").route, rest_route::dashboard);
  EXPECT_EQ(route("POST", "/jobs").route, rest_route::jobs_submit);
  EXPECT_EQ(route("GET", "/jobs").route, rest_route::jobs_list);
  EXPECT_EQ(route("DELETE", "/jobs").route, rest_route::not_found);
  EXPECT_EQ(route("GET", "/jobs/overview").route, rest_route::jobs_overview);
  const std::string id = "0123456789abcdef0123456789abcdef";
  auto cancel = route("PATCH", "/jobs/" + id + "?mode=cancel");
  EXPECT_EQ(cancel.route, rest_route::job_cancel);
  EXPECT_EQ(cancel.job, id);
  EXPECT_EQ(route("GET", "/jobs/" + id + "/execution-result").route, rest_route::job_result);
  // A segment that is not a job id is still named (the gateway answers 404 naming it).
  auto bad = route("GET", "/jobs/not-an-id/checkpoints");
  EXPECT_EQ(bad.route, rest_route::job_checkpoints);
  EXPECT_EQ(bad.job, "not-an-id");
  EXPECT_EQ(route("POST", "/jobs/overview").route, rest_route::job_other);
  EXPECT_EQ(route("GET", "/jobs/" + id + "/vertices").route, rest_route::job_other);
  auto cleanup = route("POST", "/cluster/ha/cleanup/" + id);
  EXPECT_EQ(cleanup.route, rest_route::ha_cleanup);
  EXPECT_EQ(cleanup.job, id);
  EXPECT_EQ(route("GET", "/cluster/ha/cleanup/" + id).route, rest_route::not_found);
  EXPECT_EQ(route("PUT", "/overview").route, rest_route::not_found);
  EXPECT_TRUE(route("GET", "/overview").job.empty());
}

}  // namespace
}  // namespace regent::rpc

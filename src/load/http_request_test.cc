#include "load/http_request.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace oomkit::load {
namespace {

TEST(TargetUrl, ParsesHostPortPathAndWeight) {
  auto u = ParseTargetUrl("http://127.0.0.1:18431/items?x=1#3").take();
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 18431);
  EXPECT_EQ(u.host_header, "127.0.0.1:18431");
  EXPECT_EQ(u.path_and_query, "/items?x=1");
  EXPECT_EQ(u.weight, 3u);
  EXPECT_EQ(u.text, "http://127.0.0.1:18431/items?x=1");
  auto bare = ParseTargetUrl("http://localhost").take();
  EXPECT_EQ(bare.port, 80);
  EXPECT_EQ(bare.path_and_query, "/");
  auto q = ParseTargetUrl("http://h:1?a=b").take();
  EXPECT_EQ(q.path_and_query, "/?a=b");
  auto v6 = ParseTargetUrl("http://[::1]:8080/x").take();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8080);
  EXPECT_EQ(v6.host_header, "[::1]:8080");
}

TEST(TargetUrl, RejectsWhatItCannotSendWithAReason) {
  EXPECT_NE(ParseTargetUrl("https://h/").error().find("https is not supported"), std::string::npos);
  EXPECT_NE(ParseTargetUrl("h:80/").error().find("expected http://"), std::string::npos);
  EXPECT_NE(ParseTargetUrl("http://h:99999/").error().find("port"), std::string::npos);
  EXPECT_NE(ParseTargetUrl("http://h/#x").error().find("weight"), std::string::npos);
  EXPECT_NE(ParseTargetUrl("http://h/a b").error().find("space"), std::string::npos);
  EXPECT_NE(ParseTargetUrl("http://u:p@h/").error().find("Authorization"), std::string::npos);
  EXPECT_NE(ParseTargetUrl("http://:80/").error().find("no host"), std::string::npos);
}

TEST(RequestTemplate, PlainGetIsOneFixedBuffer) {
  auto t = RequestTemplate::Build(ParseTargetUrl("http://127.0.0.1:9/a").take(), {}).take();
  EXPECT_FALSE(t.has_id());
  EXPECT_EQ(t.bytes(), "GET /a HTTP/1.1\r\nHost: 127.0.0.1:9\r\n\r\n");
}

TEST(RequestTemplate, BodyHeadersAndUniqueIds) {
  RequestSpec spec;
  spec.method = "POST";
  spec.headers = {"Content-Type: application/json", "Host: example.test"};
  spec.body = R"({"k":1})";
  spec.unique_ids = true;
  auto t = RequestTemplate::Build(ParseTargetUrl("http://127.0.0.1:9/a?x=1").take(), spec).take();
  ASSERT_TRUE(t.has_id());
  std::string buf(t.max_size(), '\0');
  buf.resize(t.Render(1764000000000042, buf.data()));
  EXPECT_EQ(buf,
            "POST /a?x=1&id=1764000000000042 HTTP/1.1\r\n"
            "X-Request-Id: 1764000000000042\r\nContent-Type: application/json\r\nHost: example.test\r\n"
            "Content-Length: 7\r\n\r\n{\"k\":1}");
  RequestSpec ids;
  ids.unique_ids = true;
  auto no_query = RequestTemplate::Build(ParseTargetUrl("http://h/").take(), ids).take();
  std::string b2(no_query.max_size(), '\0');
  b2.resize(no_query.Render(7, b2.data()));
  EXPECT_TRUE(b2.starts_with("GET /?id=7 HTTP/1.1\r\n")) << b2;
}

TEST(RequestTemplate, RejectsHeadersThatWouldBreakFraming) {
  auto url = ParseTargetUrl("http://h/").take();
  RequestSpec s;
  s.headers = {"Content-Length: 5"};
  EXPECT_NE(RequestTemplate::Build(url, s).error().find("sets the body's length"), std::string::npos);
  s.headers = {"NoColon"};
  EXPECT_NE(RequestTemplate::Build(url, s).error().find("Name: value"), std::string::npos);
  s.headers = {};
  s.method = "GE T";
  EXPECT_FALSE(RequestTemplate::Build(url, s).ok());
  s.method = "HEAD";
  EXPECT_TRUE(RequestTemplate::Build(url, s).value().expects_no_body());
}

TEST(WeightedOrder, SpreadsHeavyUrlsSmoothly) {
  auto order = WeightedOrder({3, 1});
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(std::count(order.begin(), order.end(), 0u), 3);
  EXPECT_NE(order[3], 1u) << "the light URL is not bunched at the end";
  auto even = WeightedOrder({1, 1, 1});
  EXPECT_EQ(even, (std::vector<uint32_t>{0, 1, 2}));
}

TEST(DefaultIdStart, IsExactInJavaScript) { EXPECT_LT(DefaultIdStart() + 1000000000ull, 1ull << 53); }

}  // namespace
}  // namespace oomkit::load

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tools/origin_handler.hpp"
#include "unit/support/fake_exchange_router.hpp"

using namespace strata;

namespace {

struct Origin {
  boost::asio::io_context io;
  std::shared_ptr<http::Handler> h;
  explicit Origin(tools::OriginOptions o = {}) : h(tools::make_origin_handler(o)) {}

  std::unique_ptr<test::RouterFakeExchange> get(std::string target, std::string method = "GET",
                                                std::deque<std::string> body = {}) {
    auto ex = std::make_unique<test::RouterFakeExchange>(io);
    ex->req.target = std::move(target);
    ex->req.method = std::move(method);
    ex->body_chunks = std::move(body);
    ex->req.has_body = !ex->body_chunks.empty();
    test::run_handler(io, *h, *ex);
    return ex;
  }
};

}  // namespace

TEST(ToolsOrigin, RootUnknownAndId) {
  tools::OriginOptions o;
  o.id = "o-7";
  Origin org(o);
  auto a = org.get("/");
  EXPECT_EQ(a->status(), 200);
  EXPECT_EQ(a->header("x-origin-id"), "o-7");
  EXPECT_FALSE(a->body.empty());
  auto b = org.get("/nope");
  EXPECT_EQ(b->status(), 404);
  EXPECT_EQ(b->header("x-origin-id"), "o-7");
}

TEST(ToolsOrigin, BytesDeterministicAndChunked) {
  Origin org;
  const std::uint64_t n = 3 * tools::kOriginChunk + 123;
  auto a = org.get("/bytes/" + std::to_string(n));
  EXPECT_EQ(a->status(), 200);
  EXPECT_EQ(a->header("content-length"), std::to_string(n));
  ASSERT_EQ(a->body.size(), n);
  for (std::uint64_t i = 0; i < n; i += 997) ASSERT_EQ(a->body[i], tools::origin_byte(i)) << i;
  EXPECT_EQ(a->body[n - 1], tools::origin_byte(n - 1));
  EXPECT_LE(a->max_chunk, tools::kOriginChunk);
  EXPECT_EQ(a->body_calls, 4u);
  EXPECT_TRUE(a->ended);

  auto z = org.get("/bytes/0");
  EXPECT_EQ(z->status(), 200);
  EXPECT_TRUE(z->head_end_stream);
  EXPECT_EQ(org.get("/bytes/abc")->status(), 400);
  EXPECT_EQ(org.get("/bytes/99999999999999999999")->status(), 400);
}

TEST(ToolsOrigin, StatusCodes) {
  Origin org;
  EXPECT_EQ(org.get("/status/418")->status(), 418);
  EXPECT_EQ(org.get("/status/503")->status(), 503);
  EXPECT_EQ(org.get("/status/99")->status(), 400);
  EXPECT_EQ(org.get("/status/x")->status(), 400);
}

TEST(ToolsOrigin, DelayUsesTimer) {
  Origin org;
  auto a = org.get("/delay/2");
  EXPECT_EQ(a->status(), 200);
  EXPECT_EQ(a->body, "delayed 2ms\n");
  EXPECT_EQ(org.get("/delay/99999999")->status(), 400);
}

TEST(ToolsOrigin, HeadersAsJson) {
  Origin org;
  auto ex = std::make_unique<test::RouterFakeExchange>(org.io);
  ex->req.target = "/headers?x=1";
  ex->req.headers.add("accept", "a");
  ex->req.headers.add("accept", "b");
  ex->req.headers.add("x-test", "1");
  ex->req.protocol = http::Protocol::h2;
  test::run_handler(org.io, *org.h, *ex);
  EXPECT_EQ(ex->header("content-type"), "application/json");
  auto j = nlohmann::json::parse(ex->body);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["target"], "/headers?x=1");
  EXPECT_EQ(j["protocol"], "HTTP/2");
  EXPECT_EQ(j["peer"], "127.0.0.1:40000");
  EXPECT_EQ(j["headers"]["accept"], "a, b");
  EXPECT_EQ(j["headers"]["x-test"], "1");
}

TEST(ToolsOrigin, EchoStreamsBody) {
  Origin org;
  auto ex = std::make_unique<test::RouterFakeExchange>(org.io);
  ex->req.target = "/echo";
  ex->req.method = "PUT";
  ex->req.headers.add("content-type", "application/x-test");
  ex->req.has_body = true;
  std::string expect;
  for (int i = 0; i < 5; ++i) {
    std::string piece(20000, char('a' + i));
    expect += piece;
    ex->body_chunks.push_back(piece);
  }
  test::run_handler(org.io, *org.h, *ex);
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(ex->header("content-type"), "application/x-test");
  EXPECT_EQ(ex->header("x-echo-method"), "PUT");
  EXPECT_EQ(ex->header("content-length"), "");  // unknown length: chunked
  EXPECT_EQ(ex->body, expect);
  EXPECT_LE(ex->max_chunk, 16u * 1024);
  EXPECT_TRUE(ex->ended);

  auto empty = org.get("/echo", "POST");
  EXPECT_EQ(empty->header("content-length"), "0");
  EXPECT_TRUE(empty->head_end_stream);
}

TEST(ToolsOrigin, Trailers) {
  Origin org;
  auto a = org.get("/trailers");
  EXPECT_EQ(a->status(), 200);
  EXPECT_FALSE(a->body.empty());
  ASSERT_TRUE(a->trailers.has_value());
  EXPECT_EQ(a->trailers->get("grpc-status"), std::optional<std::string_view>("0"));
}

TEST(ToolsOrigin, FaultInjection) {
  tools::OriginOptions all_err;
  all_err.error_rate = 1;
  Origin e(all_err);
  EXPECT_EQ(e.get("/")->status(), 500);

  tools::OriginOptions all_reset;
  all_reset.reset_rate = 1;
  Origin r(all_reset);
  auto x = r.get("/");
  EXPECT_TRUE(x->was_reset);
  EXPECT_FALSE(x->head_sent());

  tools::OriginOptions half;
  half.error_rate = 0.5;
  half.seed = 42;
  Origin h1(half), h2(half);
  int errors = 0;
  for (int i = 0; i < 200; ++i) {
    int s1 = h1.get("/")->status();
    int s2 = h2.get("/")->status();
    EXPECT_EQ(s1, s2);  // same seed, same decisions
    errors += s1 == 500;
  }
  EXPECT_GT(errors, 50);
  EXPECT_LT(errors, 150);
}

#include "tools/ws_echo.hpp"

TEST(WsEcho, AcceptKeyMatchesRfc6455Example) {
  EXPECT_EQ(strata::tools::ws_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

// Local replies: one shape for every response strata generates itself.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "filter/local_reply.hpp"
#include "http/context.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;

namespace {

void send(boost::asio::io_context& io, http::Exchange& ex, const filter::LocalReply& r,
          filter::FieldList extra = {}) {
  bool done = false;
  boost::asio::co_spawn(io, filter::send_local_reply(ex, r, extra), [&](std::exception_ptr e) {
    done = true;
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run();
  ASSERT_TRUE(done);
}

}  // namespace

TEST(LocalReply, ErrorShape) {
  boost::asio::io_context io;
  test::FakeExchange ex(io);
  http::RequestContext ctx;
  ex.ctx = &ctx;
  send(io, ex, filter::local_reply(503, "circuit-open", "upstream circuit breaker is open\n"));
  EXPECT_EQ(ex.status(), 503);
  EXPECT_EQ(ex.header("x-strata-reason"), "circuit-open");
  EXPECT_EQ(ex.header("content-type"), "text/plain");
  EXPECT_EQ(ex.header("content-length"), "33");
  EXPECT_EQ(ex.body, "upstream circuit breaker is open\n");
  EXPECT_TRUE(ex.ended);
  EXPECT_EQ(ctx.local_reason.view(), "circuit-open");
}

TEST(LocalReply, ConfiguredAnswerHasNoReasonHeaderButIsRecorded) {
  boost::asio::io_context io;
  test::FakeExchange ex(io);
  http::RequestContext ctx;
  ex.ctx = &ctx;
  const std::pair<std::string, std::string> loc("location", "https://x.example/");
  send(io, ex, filter::local_reply(308, "redirect", "", "text/plain", false),
       filter::FieldList(&loc, 1));
  EXPECT_EQ(ex.status(), 308);
  EXPECT_FALSE(ex.head->headers.has("x-strata-reason"));
  EXPECT_FALSE(ex.head->headers.has("content-type"));
  EXPECT_EQ(ex.header("content-length"), "0");
  EXPECT_EQ(ex.header("location"), "https://x.example/");
  EXPECT_TRUE(ex.head_end_stream);
  EXPECT_EQ(ctx.local_reason.view(), "redirect");
}

TEST(LocalReply, HeadAlreadySentResetsFinishedDoesNothing) {
  boost::asio::io_context io;
  test::FakeExchange ex(io);
  ex.head = http::Response{};
  send(io, ex, filter::local_reply(500, "internal-error", "internal error\n"));
  EXPECT_TRUE(ex.was_reset);
  EXPECT_TRUE(ex.body.empty());

  test::FakeExchange done(io);
  http::RequestContext ctx;
  done.ctx = &ctx;
  done.head = http::Response{};
  done.ended = true;
  send(io, done, filter::local_reply(500, "internal-error", "internal error\n"));
  EXPECT_FALSE(done.was_reset);
  EXPECT_TRUE(ctx.local_reason.empty());  // the client got its whole response
}

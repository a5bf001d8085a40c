// cache/coalescer: one leader per key, waiters released by the leader or
// by their timeout, leads of later generations left alone.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "cache/coalescer.hpp"

namespace strata::cache {
namespace {

namespace asio = boost::asio;

asio::awaitable<void> join_one(Coalescer& c, std::string key, std::chrono::milliseconds t,
                               Coalescer::Ticket* out) {
  *out = co_await c.join(key, co_await asio::this_coro::executor, t);
}

TEST(Coalescer, FirstLeadsOthersWaitUntilRelease) {
  Coalescer c;
  asio::io_context io;
  Coalescer::Ticket lead, w1, w2;
  asio::co_spawn(io, join_one(c, "k", std::chrono::hours(1), &lead), asio::detached);
  asio::co_spawn(io, join_one(c, "k", std::chrono::hours(1), &w1), asio::detached);
  asio::co_spawn(io, join_one(c, "k", std::chrono::hours(1), &w2), asio::detached);
  io.poll();
  EXPECT_NE(lead.lead, 0u);
  EXPECT_FALSE(w1.waited);  // still waiting
  EXPECT_EQ(c.try_lead("k"), 0u);
  c.release("k", lead.lead + 1);  // not this lead: ignored
  io.poll();
  EXPECT_FALSE(w1.waited);
  c.release("k", lead.lead);
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(w1.waited);
  EXPECT_TRUE(w2.waited);
  EXPECT_FALSE(w1.timed_out);
  EXPECT_EQ(w1.lead, 0u);
  EXPECT_EQ(c.leading(), 0u);
}

TEST(Coalescer, WaiterTimesOut) {
  Coalescer c;
  asio::io_context io;
  Coalescer::Ticket lead, w;
  asio::co_spawn(io, join_one(c, "k", std::chrono::hours(1), &lead), asio::detached);
  asio::co_spawn(io, join_one(c, "k", std::chrono::milliseconds(1), &w), asio::detached);
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(w.waited);
  EXPECT_TRUE(w.timed_out);
  c.release("k", lead.lead);
  io.restart();
  io.poll();
  EXPECT_NE(c.try_lead("k"), 0u);
}

}  // namespace
}  // namespace strata::cache

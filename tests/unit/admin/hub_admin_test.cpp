#include "admin/hub_admin.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "admin/admin_handler.hpp"
#include "config/loader.hpp"
#include "unit/hub/api/fake_worker_hub.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::admin {
namespace {

class HubAdminTest : public ::testing::Test {
 protected:
  std::unique_ptr<test::FakeExchange> get(std::string target, hub::WorkerHub* h) {
    auto handler = make_admin_handler(std::make_shared<config::Config>(), [] { return false; }, h);
    auto ex = std::make_unique<test::FakeExchange>(io);
    ex->req.target = std::move(target);
    test::run_handler(io, *handler, *ex);
    return ex;
  }
  boost::asio::io_context io;
  test::FakeWorkerHub hub;
};

TEST_F(HubAdminTest, Channels) {
  hub.channel_list = {{"chat:a", 2, {5, "e1"}, 5}};
  auto ex = get("/hub/channels", &hub);
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(ex->header("content-type"), "application/json");
  EXPECT_EQ(ex->body, R"({"channels":[{"name":"chat:a","subscribers":2,"offset":5,"epoch":"e1","history":5}]})");
}

TEST_F(HubAdminTest, Presence) {
  hub.presence_reply.clients = {{3, "u\"1", R"({"x":1})"}};
  hub.presence_reply.num_clients = 1;
  hub.presence_reply.num_users = 1;
  auto ex = get("/hub/presence?channel=room%231", &hub);
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(hub.last_channel, "room#1");
  EXPECT_EQ(ex->body, R"({"clients":{"3":{"user":"u\"1","info":{"x":1}}},"num_clients":1,"num_users":1})");
  EXPECT_EQ(get("/hub/presence", &hub)->status(), 400);
  hub.presence_reply.error = hub::Error::not_available;
  ex = get("/hub/presence?channel=x", &hub);
  EXPECT_EQ(ex->status(), 400);
  EXPECT_NE(ex->body.find("\"code\":108"), std::string::npos);
}

TEST_F(HubAdminTest, NoHub) {
  EXPECT_EQ(get("/hub/channels", nullptr)->status(), 404);
  EXPECT_EQ(get("/healthz", nullptr)->status(), 200);  // the rest is unchanged
}

}  // namespace
}  // namespace strata::admin

// Client command parsing and reply encoding (hub/protocol/).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/protocol/command.hpp"
#include "hub/protocol/reply.hpp"
#include "hub/push_build.hpp"

using namespace strata::hub;
using namespace strata::hub::protocol;
using Kind = ParseResult::Kind;
using nlohmann::json;

TEST(HubProtocol, ParsesEveryMethod) {
  auto r = parse_command(R"({"id":1,"connect":{"token":"T"}})", 1000);
  ASSERT_EQ(r.kind, Kind::ok);
  EXPECT_EQ(r.command.id, 1u);
  EXPECT_EQ(r.command.method, Method::connect);
  EXPECT_EQ(r.command.token, "T");
  r = parse_command(R"({"subscribe":{"channel":"chat:a","since":{"offset":5,"epoch":"e1"},"token":"S"},"id":2})", 1000);
  ASSERT_EQ(r.kind, Kind::ok);
  EXPECT_EQ(r.command.method, Method::subscribe);
  EXPECT_EQ(r.command.channel, "chat:a");
  ASSERT_TRUE(r.command.since);
  EXPECT_EQ(*r.command.since, (Position{5, "e1"}));
  EXPECT_EQ(r.command.token, "S");
  r = parse_command(R"({"id":4,"publish":{"channel":"c","data":{ "text" : "hi\nthere" }}})", 1000);
  ASSERT_EQ(r.kind, Kind::ok);
  EXPECT_EQ(r.command.data, R"({"text":"hi\nthere"})");  // compact, escaped newline
  r = parse_command(R"({"id":6,"history":{"channel":"c","limit":100}})", 1000);
  ASSERT_EQ(r.kind, Kind::ok);
  EXPECT_EQ(r.command.limit, 100u);
  EXPECT_FALSE(r.command.since);
  EXPECT_EQ(parse_command(R"({"id":7,"ping":{}})", 10).command.method, Method::ping);
  EXPECT_EQ(parse_command(R"({"id":3,"unsubscribe":{"channel":"c"}})", 10).command.method,
            Method::unsubscribe);
  EXPECT_EQ(parse_command(R"({"id":5,"presence":{"channel":"c"}})", 10).command.method,
            Method::presence);
}

TEST(HubProtocol, ViolationsClose) {
  for (const char* bad : {"{nope", "[1]", "\"x\"", R"({"ping":{}})", R"({"id":0,"ping":{}})",
                          R"({"id":-1,"ping":{}})", R"({"id":1.5,"ping":{}})", R"({"id":"1","ping":{}})"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_command(bad, 100).kind, Kind::close);
  }
}

TEST(HubProtocol, ErrorsAnswerWithTheId) {
  auto r = parse_command(R"({"id":9,"frob":{}})", 100);
  EXPECT_EQ(r.kind, Kind::error);
  EXPECT_EQ(r.command.id, 9u);
  EXPECT_EQ(r.error, Error::method_not_found);
  EXPECT_EQ(error_reply(9, r.error, r.message),
            R"({"id":9,"error":{"code":104,"message":"unknown method 'frob'"}})");
  struct Case {
    const char* text;
    Error e;
  } cases[] = {
      {R"({"id":1})", Error::bad_request},
      {R"({"id":1,"ping":{},"presence":{"channel":"c"}})", Error::bad_request},
      {R"({"id":1,"ping":[]})", Error::bad_request},
      {R"({"id":1,"subscribe":{}})", Error::bad_request},
      {R"({"id":1,"subscribe":{"channel":5}})", Error::bad_request},
      {R"({"id":1,"subscribe":{"channel":"c","extra":1}})", Error::bad_request},
      {R"({"id":1,"subscribe":{"channel":"c","since":{"offset":-1,"epoch":"e"}}})", Error::bad_request},
      {R"({"id":1,"subscribe":{"channel":"c","since":{"offset":1}}})", Error::bad_request},
      {R"({"id":1,"publish":{"channel":"c"}})", Error::bad_request},
      {R"({"id":1,"publish":{"channel":"c","data":"0123456789"}})", Error::limit_exceeded},
      {R"({"id":1,"history":{"channel":"c","limit":-3}})", Error::bad_request},
      {R"({"id":1,"ping":{"x":1}})", Error::bad_request},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = parse_command(c.text, 10);
    EXPECT_EQ(p.kind, Kind::error);
    EXPECT_EQ(p.error, c.e);
    EXPECT_EQ(p.command.id, 1u);
  }
}

TEST(HubProtocol, Positions) {
  EXPECT_EQ(parse_position("e1:6"), (Position{6, "e1"}));
  EXPECT_EQ(parse_position("a:b:7"), (Position{7, "a:b"}));
  for (const char* bad : {"", "e1", ":5", "e1:", "e1:x", "e1:5x", "e1:-1"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_position(bad));
  }
}

TEST(HubProtocol, Replies) {
  EXPECT_EQ(result_reply(3, "{}"), R"({"id":3,"result":{}})");
  EXPECT_EQ(connect_result(17, "u1", -1), R"({"client":"17","user":"u1"})");
  EXPECT_EQ(connect_result(17, "u\"1", 30), R"({"client":"17","user":"u\"1","expires_in":30})");
  SubscribeResult s;
  s.position = {9, "e1"};
  EXPECT_EQ(subscribe_result(s, true), R"({"offset":9,"epoch":"e1","recoverable":true})");
  s.recovery_asked = true;
  s.recovered = true;
  s.missed.resize(4);
  EXPECT_EQ(subscribe_result(s, true),
            R"({"offset":9,"epoch":"e1","recoverable":true,"recovered":true,"missed":4})");
  EXPECT_EQ(subscribe_push("chat:a", s),
            R"({"push":{"channel":"chat:a","subscribe":{"offset":9,"epoch":"e1","recovered":true}}})");
  EXPECT_EQ(publish_result(PublishResult{Error::none, {10, "e1"}}), R"({"offset":10,"epoch":"e1"})");
  PresenceResult pr;
  pr.clients.push_back({17, "u1", R"({"n":1})"});
  pr.num_clients = 1;
  pr.num_users = 1;
  EXPECT_EQ(json::parse(presence_result(pr)),
            json::parse(R"({"clients":{"17":{"user":"u1","info":{"n":1}}},"num_clients":1,"num_users":1})"));
  EXPECT_EQ(unsubscribe_push("c"), R"({"push":{"channel":"c","unsubscribe":{}}})");
  EXPECT_EQ(sse_connect(17, "u1"), "event: connect\ndata: {\"client\":\"17\",\"user\":\"u1\"}\n\n");
  EXPECT_EQ(sse_subscribe("c", s),
            "event: subscribe\ndata: {\"channel\":\"c\",\"offset\":9,\"epoch\":\"e1\",\"recovered\":true}\n\n");
  EXPECT_EQ(sse_disconnect(4008, "slow consumer"),
            "event: disconnect\ndata: {\"code\":4008,\"reason\":\"slow consumer\"}\n\n");
}

TEST(HubProtocol, HistoryReplySplicesTheCompactData) {
  HistoryResult h;
  h.position = {7, "e1"};
  h.recovered = false;
  h.publications.push_back(make_publication("c", 6, "e1", R"({"a":[1,2]})", 0, false));
  h.publications.push_back(make_join("c", 3, "u", ""));  // not a publication: skipped
  h.publications.push_back(make_publication("c", 7, "e1", "\"x\"", 0, false));
  EXPECT_EQ(history_result(h),
            R"({"offset":7,"epoch":"e1","recovered":false,"publications":[{"offset":6,"data":{"a":[1,2]}},{"offset":7,"data":"x"}]})");
}

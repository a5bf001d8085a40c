#include "hub/api/publish_api.hpp"

#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hub/api/idempotency.hpp"
#include "hub/push_build.hpp"
#include "unit/hub/api/fake_worker_hub.hpp"
#include "unit/support/fake_exchange.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::hub::api {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

class PublishApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub.cfg.api_keys = {"k1", "second-key"};
    hub.cfg.max_message = 1024;
    hub.cfg.idempotency_window_s = 60;
    build();
  }
  void build() { api = std::make_unique<PublishApi>(hub.cfg, ApiOptions{&store}); }

  std::unique_ptr<test::FakeExchange> make(std::string method, std::string target, std::string body = {},
                                           std::string auth = "apikey k1") {
    auto ex = std::make_unique<test::FakeExchange>(io);
    ex->req.method = std::move(method);
    ex->req.target = std::move(target);
    if (!auth.empty()) ex->req.headers.add("authorization", auth);
    if (!body.empty()) ex->set_body(std::move(body));
    return ex;
  }
  void spawn(test::FakeExchange& ex) {
    asio::co_spawn(io, api->serve(ex, hub, "/hub/api"), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }
  void drive() {
    io.restart();
    io.run();
  }
  std::unique_ptr<test::FakeExchange> call(std::string method, std::string target, std::string body = {},
                                           std::string auth = "apikey k1") {
    auto ex = make(std::move(method), std::move(target), std::move(body), std::move(auth));
    spawn(*ex);
    drive();
    EXPECT_TRUE(ex->finished());
    return ex;
  }
  static json body(const test::FakeExchange& ex) { return json::parse(ex.body); }

  asio::io_context io;
  core::FakeClock clock;
  IdempotencyStore store{clock};
  test::FakeWorkerHub hub;
  std::unique_ptr<PublishApi> api;
};

TEST_F(PublishApiTest, ApiKeyRequired) {
  for (std::string auth : {"", "apikey nope", "Bearer k1", "apikey", "apikeyk1", "apikey k1x", "apikey k"}) {
    auto ex = call("POST", "/hub/api/publish", R"({"channel":"a","data":1})", auth);
    EXPECT_EQ(ex->status(), 401) << auth;
    EXPECT_EQ(ex->header("www-authenticate"), "apikey");
    EXPECT_EQ(ex->header("content-type"), "application/json");
    EXPECT_EQ(body(*ex)["error"]["code"], 101);
  }
  EXPECT_TRUE(hub.published.empty());
  EXPECT_EQ(call("POST", "/hub/api/publish", R"({"channel":"a","data":1})", "ApiKey  second-key ")->status(), 200);
  EXPECT_EQ(call("GET", "/hub/api/nothing")->status(), 404);
  EXPECT_EQ(call("GET", "/hub/api/nothing", "", "")->status(), 401);  // auth before routing

  hub.cfg.api_keys.clear();  // no key configured: the API is closed
  build();
  EXPECT_EQ(call("POST", "/hub/api/publish", R"({"channel":"a","data":1})")->status(), 401);
}

TEST_F(PublishApiTest, ApiKeysFile) {
  test::TempDir dir;
  std::ofstream(dir.file("keys")) << "# comment\n\n  filekey \r\nother\n";
  hub.cfg.api_keys.clear();
  hub.cfg.api_keys_file = dir.file("keys");
  build();
  EXPECT_EQ(call("GET", "/hub/api/channels", "", "apikey filekey")->status(), 200);
  EXPECT_EQ(call("GET", "/hub/api/channels", "", "apikey other")->status(), 200);
  EXPECT_EQ(call("GET", "/hub/api/channels", "", "apikey # comment")->status(), 401);
  hub.cfg.api_keys_file = dir.file("missing");
  EXPECT_THROW(build(), std::runtime_error);
}

TEST_F(PublishApiTest, PublishReserializesCompactly) {
  auto ex = call("POST", "/hub/api/publish",
                 "{\"channel\": \"chat:a\",\n \"data\": {\"z\": 1,\n  \"text\": \"hi\\nthere\", \"a\": [1, 2.5, null]}}");
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(ex->body, R"({"result":{"offset":1,"epoch":"e1"}})");
  ASSERT_EQ(hub.published.size(), 1u);
  EXPECT_EQ(hub.published[0].channel, "chat:a");
  EXPECT_EQ(hub.published[0].data, R"({"z":1,"text":"hi\nthere","a":[1,2.5,null]})");
  EXPECT_EQ(hub.published[0].from, nullptr);
  EXPECT_EQ(call("POST", "/hub/api/publish/", R"({"channel":"chat:a","data":"x"})")->body,
            R"({"result":{"offset":2,"epoch":"e1"}})");
}

TEST_F(PublishApiTest, PublishErrors) {
  auto code = [](const test::FakeExchange& ex) { return body(ex)["error"]["code"].get<int>(); };
  auto ex = call("POST", "/hub/api/publish", R"({"data":1})");
  EXPECT_EQ(ex->status(), 400);
  EXPECT_EQ(code(*ex), 107);
  EXPECT_EQ(code(*call("POST", "/hub/api/publish", R"({"channel":"a"})")), 107);
  EXPECT_EQ(code(*call("POST", "/hub/api/publish", R"({"channel":5,"data":1})")), 107);
  EXPECT_EQ(code(*call("POST", "/hub/api/publish", R"([1])")), 107);
  EXPECT_EQ(code(*call("POST", "/hub/api/publish", "{not json")), 107);
  EXPECT_EQ(code(*call("POST", "/hub/api/publish", R"({"channel":"a","data":1,"idempotency_key":3})")), 107);
  ex = call("POST", "/hub/api/publish", R"({"channel":"bad:x","data":1})");  // refused by the hub
  EXPECT_EQ(ex->status(), 400);
  EXPECT_EQ(code(*ex), 102);
  EXPECT_EQ(call("GET", "/hub/api/publish")->status(), 405);
  EXPECT_EQ(call("GET", "/hub/api/publish")->header("allow"), "POST");
  EXPECT_EQ(call("POST", "/hub/api/channels")->status(), 405);
  ex = call("POST", "/hub/api/nope", "{}");
  EXPECT_EQ(ex->status(), 404);
  EXPECT_EQ(code(*ex), 104);
  // Nesting beyond kMaxDepth.
  std::string deep = R"({"channel":"a","data":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(code(*call("POST", "/hub/api/publish", deep)), 107);
  EXPECT_TRUE(hub.published.empty());
}

TEST_F(PublishApiTest, SizeLimits) {
  // Data over hub.max_message (after compaction): 413.
  std::string big(1100, 'x');
  auto ex = call("POST", "/hub/api/publish", R"({"channel":"a","data":")" + big + "\"}");
  EXPECT_EQ(ex->status(), 413);
  EXPECT_EQ(body(*ex)["error"]["code"], 106);
  // Whitespace does not count: compact data within the limit passes.
  std::string spaced = R"({"channel":"a","data":[1)" + std::string(2000, ' ') + "]}";
  EXPECT_EQ(call("POST", "/hub/api/publish", spaced)->status(), 200);
  // A body over max_message + envelope is refused before reading (Content-Length) ...
  std::string huge(api->max_body() + 1, ' ');
  EXPECT_EQ(call("POST", "/hub/api/publish", huge)->status(), 413);
  // ... and while reading when the length is unknown.
  auto ex2 = make("POST", "/hub/api/publish", huge);
  ex2->req.content_length.reset();
  spawn(*ex2);
  drive();
  EXPECT_EQ(ex2->status(), 413);
  EXPECT_EQ(hub.published.size(), 1u);
}

TEST_F(PublishApiTest, IdempotencyKeyInBodyAndHeader) {
  const std::string req = R"({"channel":"a","data":1,"idempotency_key":"k-1"})";
  auto first = call("POST", "/hub/api/publish", req);
  EXPECT_EQ(first->body, R"({"result":{"offset":1,"epoch":"e1"}})");
  auto again = call("POST", "/hub/api/publish", R"({"channel":"a","data":2,"idempotency_key":"k-1"})");
  EXPECT_EQ(again->status(), 200);
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(hub.published.size(), 1u);
  // Another channel, same key: another publication.
  EXPECT_EQ(call("POST", "/hub/api/publish", R"({"channel":"b","data":1,"idempotency_key":"k-1"})")->body,
            R"({"result":{"offset":1,"epoch":"e1"}})");
  EXPECT_EQ(hub.published.size(), 2u);
  // The Idempotency-Key header.
  auto h1 = make("POST", "/hub/api/publish", R"({"channel":"a","data":3})");
  h1->req.headers.add("idempotency-key", "hk");
  spawn(*h1);
  drive();
  auto h2 = make("POST", "/hub/api/publish", R"({"channel":"a","data":3})");
  h2->req.headers.add("idempotency-key", "hk");
  spawn(*h2);
  drive();
  EXPECT_EQ(h1->body, R"({"result":{"offset":2,"epoch":"e1"}})");
  EXPECT_EQ(h2->body, h1->body);
  EXPECT_EQ(hub.published.size(), 3u);
  // After the window the key is forgotten.
  clock.advance(std::chrono::seconds(59));
  EXPECT_EQ(call("POST", "/hub/api/publish", req)->body, first->body);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(call("POST", "/hub/api/publish", req)->body, R"({"result":{"offset":3,"epoch":"e1"}})");
  EXPECT_EQ(hub.published.size(), 4u);
}

TEST_F(PublishApiTest, FailedRequestsAreNotRemembered) {
  const std::string req = R"({"channel":"bad:x","data":1,"idempotency_key":"k"})";
  EXPECT_EQ(call("POST", "/hub/api/publish", req)->status(), 400);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(call("POST", "/hub/api/publish", R"({"channel":"bad:y","data":1,"idempotency_key":"k"})")->status(),
            400);
}

TEST_F(PublishApiTest, ConcurrentDuplicateWaitsForTheFirst) {
  hub.defer = true;
  const std::string req = R"({"channel":"a","data":1,"idempotency_key":"same"})";
  auto a = make("POST", "/hub/api/publish", req);
  auto b = make("POST", "/hub/api/publish", req);
  spawn(*a);
  spawn(*b);
  io.restart();
  io.poll();  // b's waiter keeps the context busy: poll, don't run
  EXPECT_FALSE(a->finished());
  EXPECT_FALSE(b->finished());
  EXPECT_EQ(hub.deferred.size(), 1u);  // only the first one publishes
  hub.release();
  drive();
  ASSERT_TRUE(a->finished());
  ASSERT_TRUE(b->finished());
  EXPECT_EQ(a->body, R"({"result":{"offset":1,"epoch":"e1"}})");
  EXPECT_EQ(b->body, a->body);
  EXPECT_EQ(hub.published.size(), 1u);
}

TEST_F(PublishApiTest, Broadcast) {
  auto ex = call("POST", "/hub/api/broadcast", R"({"channels":["a","bad:x","b","a"],"data":{"k":"v"}})");
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(ex->body,
            R"({"result":{"responses":[{"channel":"a","offset":1,"epoch":"e1"},)"
            R"({"channel":"bad:x","error":{"code":102,"message":")" +
                std::string(error_message(Error::unknown_channel)) +
                R"("}},{"channel":"b","offset":1,"epoch":"e1"},{"channel":"a","offset":2,"epoch":"e1"}]}})");
  ASSERT_EQ(hub.published.size(), 3u);
  EXPECT_EQ(hub.published[1].data, R"({"k":"v"})");
  EXPECT_EQ(call("POST", "/hub/api/broadcast", R"({"channels":[],"data":1})")->status(), 400);
  EXPECT_EQ(call("POST", "/hub/api/broadcast", R"({"channels":["a",1],"data":1})")->status(), 400);
  EXPECT_EQ(call("POST", "/hub/api/broadcast", R"({"channels":["a"]})")->status(), 400);
  // Idempotent too.
  const std::string req = R"({"channels":["x","y"],"data":1,"idempotency_key":"b1"})";
  auto first = call("POST", "/hub/api/broadcast", req);
  EXPECT_EQ(call("POST", "/hub/api/broadcast", req)->body, first->body);
  EXPECT_EQ(hub.published.size(), 5u);
}

TEST_F(PublishApiTest, BatchRunsInOrder) {
  auto ex = call("POST", "/hub/api/batch",
                 R"({"commands":[{"publish":{"channel":"a","data":1}},)"
                 R"({"broadcast":{"channels":["a","b"],"data":2}},)"
                 R"({"publish":{"channel":"a"}},)"
                 R"({"disconnect":{"user":"u1"}},)"
                 R"({"unsubscribe":{"user":"u2","channel":"c"}},)"
                 R"({"frobnicate":{}},)"
                 R"({"publish":{"channel":"a","data":3,"idempotency_key":"i"}},)"
                 R"({"publish":{"channel":"a","data":4,"idempotency_key":"i"}}]})");
  EXPECT_EQ(ex->status(), 200);
  auto b = body(*ex);
  ASSERT_EQ(b["replies"].size(), 8u);
  EXPECT_EQ(b["replies"][0], json::parse(R"({"result":{"offset":1,"epoch":"e1"}})"));
  EXPECT_EQ(b["replies"][1]["result"]["responses"][0]["offset"], 2);
  EXPECT_EQ(b["replies"][1]["result"]["responses"][1]["channel"], "b");
  EXPECT_EQ(b["replies"][2]["error"]["code"], 107);
  EXPECT_EQ(b["replies"][3], json::parse(R"({"result":{}})"));
  EXPECT_EQ(b["replies"][4], json::parse(R"({"result":{}})"));
  EXPECT_EQ(b["replies"][5]["error"]["code"], 104);
  EXPECT_EQ(b["replies"][6]["result"]["offset"], 3);
  EXPECT_EQ(b["replies"][7], b["replies"][6]);
  EXPECT_EQ(hub.published.size(), 4u);
  ASSERT_EQ(hub.disconnects.size(), 1u);
  EXPECT_EQ(hub.unsubscribes, (std::vector<std::pair<std::string, std::string>>{{"u2", "c"}}));
  EXPECT_EQ(call("POST", "/hub/api/batch", R"({"commands":[]})")->status(), 400);
  EXPECT_EQ(call("POST", "/hub/api/batch", R"({"commands":[1]})")->status(), 200);
}

// Consecutive publish commands of a batch reach the hub before any of them
// completes (so their deliveries share one write per subscriber), in
// order; the replies keep the command order, with the invalid ones in place.
TEST_F(PublishApiTest, BatchPublishRunStartsTogether) {
  hub.defer = true;
  auto ex = make("POST", "/hub/api/batch",
                 R"({"commands":[{"publish":{"channel":"a","data":1}},)"
                 R"({"publish":{"channel":"a"}},)"
                 R"({"publish":{"channel":"a","data":2}},)"
                 R"({"publish":{"channel":"bad:x","data":3}},)"
                 R"({"publish":{"channel":"a","data":4}}]})");
  spawn(*ex);
  io.restart();
  io.poll();
  EXPECT_FALSE(ex->finished());
  EXPECT_EQ(hub.deferred.size(), 4u);  // the four well-formed ones handed over, none completed
  ASSERT_EQ(hub.published.size(), 3u);
  EXPECT_EQ(hub.published[0].data, "1");
  EXPECT_EQ(hub.published[1].data, "2");
  EXPECT_EQ(hub.published[2].data, "4");
  hub.release();
  drive();
  ASSERT_TRUE(ex->finished());
  auto b = body(*ex);
  ASSERT_EQ(b["replies"].size(), 5u);
  EXPECT_EQ(b["replies"][0]["result"]["offset"], 1);
  EXPECT_EQ(b["replies"][1]["error"]["code"], 107);
  EXPECT_EQ(b["replies"][2]["result"]["offset"], 2);
  EXPECT_EQ(b["replies"][3]["error"]["code"], 102);
  EXPECT_EQ(b["replies"][4]["result"]["offset"], 3);
}

TEST_F(PublishApiTest, DisconnectAndUnsubscribe) {
  EXPECT_EQ(call("POST", "/hub/api/disconnect", R"({"user":"u1"})")->body, R"({"result":{}})");
  EXPECT_EQ(call("POST", "/hub/api/disconnect", R"({"user":"u2","code":4100,"reason":"bye"})")->status(), 200);
  ASSERT_EQ(hub.disconnects.size(), 2u);
  EXPECT_EQ(hub.disconnects[0].user, "u1");
  EXPECT_EQ(hub.disconnects[0].code, close_code::disconnected);
  EXPECT_EQ(hub.disconnects[1].code, 4100);
  EXPECT_EQ(hub.disconnects[1].reason, "bye");
  EXPECT_EQ(call("POST", "/hub/api/disconnect", R"({"user":"u1","code":1006})")->status(), 400);
  EXPECT_EQ(call("POST", "/hub/api/disconnect", R"({"user":"u1","code":"x"})")->status(), 400);
  EXPECT_EQ(call("POST", "/hub/api/disconnect", R"({"code":4005})")->status(), 400);
  EXPECT_EQ(call("POST", "/hub/api/disconnect", R"({"user":"u","reason":")" + std::string(124, 'r') + "\"}")
                ->status(),
            400);
  EXPECT_EQ(hub.disconnects.size(), 2u);
  EXPECT_EQ(call("POST", "/hub/api/unsubscribe", R"({"user":"u1","channel":"chat:a"})")->status(), 200);
  EXPECT_EQ(call("POST", "/hub/api/unsubscribe", R"({"user":"u1"})")->status(), 400);
  EXPECT_EQ(hub.unsubscribes.size(), 1u);
}

TEST_F(PublishApiTest, PresenceHistoryChannels) {
  hub.presence_reply.clients = {{17, "u1", R"({"name":"Ann"})"}, {18, "", ""}};
  hub.presence_reply.num_clients = 2;
  hub.presence_reply.num_users = 1;
  auto ex = call("GET", "/hub/api/presence?channel=chat%3Aa");
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(hub.last_channel, "chat:a");
  EXPECT_EQ(ex->body, R"({"result":{"clients":{"17":{"user":"u1","info":{"name":"Ann"}},"18":{"user":""}},)"
                      R"("num_clients":2,"num_users":1}})");
  EXPECT_EQ(call("GET", "/hub/api/presence")->status(), 400);
  hub.presence_reply.error = Error::not_available;
  EXPECT_EQ(body(*call("GET", "/hub/api/presence?channel=x"))["error"]["code"], 108);

  hub.history_reply.position = {7, "e9"};
  hub.history_reply.publications = {make_publication("c", 6, "e9", R"({"a":"}}}"})", 0, false),
                                     make_publication("c", 7, "e9", "[1,2]", 0, false)};
  ex = call("GET", "/hub/api/history?channel=c&limit=10&since=e9:5");
  EXPECT_EQ(ex->body, R"({"result":{"offset":7,"epoch":"e9","recovered":true,"publications":[)"
                      R"({"offset":6,"data":{"a":"}}}"}},{"offset":7,"data":[1,2]}]}})");
  EXPECT_EQ(hub.last_limit, 10u);
  ASSERT_TRUE(hub.last_since);
  EXPECT_EQ(*hub.last_since, (Position{5, "e9"}));
  call("GET", "/hub/api/history?channel=c");
  EXPECT_FALSE(hub.last_since);
  EXPECT_EQ(hub.last_limit, 0u);  // all
  EXPECT_EQ(call("GET", "/hub/api/history?channel=c&limit=x")->status(), 400);
  EXPECT_EQ(call("GET", "/hub/api/history?channel=c&since=5")->status(), 400);

  hub.channel_list = {{"chat:a", 3, {9, "e1"}, 9}, {"b", 0, {0, "e2"}, 0}};
  EXPECT_EQ(call("GET", "/hub/api/channels")->body,
            R"({"result":{"channels":[{"name":"chat:a","subscribers":3,"offset":9,"epoch":"e1","history":9},)"
            R"({"name":"b","subscribers":0,"offset":0,"epoch":"e2","history":0}]}})");
}

TEST(IdempotencyStoreTest, BoundAndWindow) {
  core::FakeClock clock;
  IdempotencyStore s(clock);
  asio::io_context io;
  IdempotencyStore::Reply got;
  auto begin = [&](const std::string& k) {
    return s.begin(k, std::chrono::seconds(10), 2, got, {io.get_executor(), [](IdempotencyStore::Reply) {}});
  };
  EXPECT_EQ(begin("a"), IdempotencyStore::Begin::run);
  s.complete("a", {200, "A"}, true, 2);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(begin("b"), IdempotencyStore::Begin::run);
  s.complete("b", {200, "B"}, true, 2);
  EXPECT_EQ(begin("a"), IdempotencyStore::Begin::cached);
  EXPECT_EQ(got.body, "A");
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(begin("c"), IdempotencyStore::Begin::run);  // running: not counted in the bound yet
  EXPECT_EQ(begin("c"), IdempotencyStore::Begin::wait);
  s.complete("c", {200, "C"}, true, 2);  // three remembered > 2: "a" (oldest) goes
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(begin("a"), IdempotencyStore::Begin::run);
  s.complete("a", {400, "E"}, false, 2);
  EXPECT_EQ(begin("b"), IdempotencyStore::Begin::cached);
  clock.advance(std::chrono::seconds(9));  // "b" completed 10 s ago, "c" 9 s ago
  EXPECT_EQ(begin("b"), IdempotencyStore::Begin::run);
  EXPECT_EQ(begin("c"), IdempotencyStore::Begin::cached);
  // Waiters are resumed through their executor with the reply.
  std::vector<std::string> woke;
  EXPECT_EQ(s.begin("b", std::chrono::seconds(10), 2, got,
                    {io.get_executor(), [&](IdempotencyStore::Reply r) { woke.push_back(r.body); }}),
            IdempotencyStore::Begin::wait);
  s.complete("b", {200, "B2"}, true, 2);
  EXPECT_TRUE(woke.empty());
  io.run();
  EXPECT_EQ(woke, std::vector<std::string>{"B2"});
}

}  // namespace
}  // namespace strata::hub::api

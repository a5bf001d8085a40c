#include "admin/cache_admin.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "admin/admin_handler.hpp"
#include "cache/store.hpp"
#include "unit/cache/fake_store.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::admin {
namespace {

using nlohmann::json;

class CacheAdminTest : public ::testing::Test {
 protected:
  void SetUp() override { cache::set_process_store(store); }
  void TearDown() override { cache::set_process_store(nullptr); }

  std::unique_ptr<test::FakeExchange> call(std::string method, std::string target, std::string body = {},
                                           std::string token = {}) {
    auto cfg = std::make_shared<config::Config>();
    auto handler = make_admin_handler(cfg, [] { return false; }, nullptr, token_);
    auto ex = std::make_unique<test::FakeExchange>(io);
    ex->req.method = std::move(method);
    ex->req.target = std::move(target);
    if (!token.empty()) ex->req.headers.add("authorization", "Bearer " + token);
    if (!body.empty()) ex->set_body(std::move(body));
    test::run_handler(io, *handler, *ex);
    return ex;
  }
  static json body_json(const test::FakeExchange& ex) { return json::parse(ex.body); }

  boost::asio::io_context io;
  std::shared_ptr<test::FakeStore> store = std::make_shared<test::FakeStore>();
  std::string token_;
};

TEST_F(CacheAdminTest, PurgeAppliesAndAnswersCounts) {
  store->per_purge = 3;
  auto ex = call("POST", "/cache/purge", R"({"tags":["a","b"],"urls":["https://h/x"],"soft":true})");
  ASSERT_EQ(ex->status(), 200) << ex->body;
  EXPECT_EQ(ex->header("content-type"), "application/json");
  const auto j = body_json(*ex);
  EXPECT_EQ(j["purged"], 9);
  EXPECT_EQ(j["tags"], 6);
  EXPECT_EQ(j["urls"], 3);
  EXPECT_EQ(j["prefixes"], 0);
  EXPECT_EQ(j["all"], 0);
  EXPECT_EQ(j["soft"], true);
  EXPECT_TRUE(j["broadcast"].is_null());  // no purge bus in this process
  const auto calls = store->calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].kind, "tag");
  EXPECT_EQ(calls[2].arg, "https://h/x");
  EXPECT_EQ(calls[2].mode, cache::PurgeMode::soft);
}

TEST_F(CacheAdminTest, PurgeRefusesBadBodiesAndMethods) {
  auto ex = call("POST", "/cache/purge", R"({"tagz":["a"]})");
  EXPECT_EQ(ex->status(), 400);
  EXPECT_NE(body_json(*ex)["error"].get<std::string>().find("unknown member tagz"), std::string::npos);
  EXPECT_EQ(call("POST", "/cache/purge", "")->status(), 400);
  EXPECT_EQ(call("POST", "/cache/purge", std::string(2 << 20, ' '))->status(), 413);
  ex = call("GET", "/cache/purge");
  EXPECT_EQ(ex->status(), 405);
  EXPECT_EQ(ex->header("allow"), "POST");
  ex = call("POST", "/cache/stats", "{}");
  EXPECT_EQ(ex->status(), 405);
  EXPECT_EQ(ex->header("allow"), "GET, HEAD");
  EXPECT_TRUE(store->calls().empty());
}

TEST_F(CacheAdminTest, Lookup) {
  auto o = std::make_shared<cache::Object>();
  o->key = "k1";
  o->url = "https://h.test/a?b=1";
  o->vary = {{"accept-encoding", "gzip"}};
  o->headers = {{"content-type", "text/plain"}};
  o->body = std::make_shared<const std::string>("hello");
  o->tags = {"t1"};
  o->invalidated = true;
  store->objects = {o};
  auto ex = call("GET", "/cache/lookup?url=https%3A%2F%2Fh.test%2Fa%3Fb%3D1");
  ASSERT_EQ(ex->status(), 200) << ex->body;
  const auto j = body_json(*ex);
  EXPECT_EQ(j["url"], "https://h.test/a?b=1");
  ASSERT_EQ(j["objects"].size(), 1u);
  const auto& oj = j["objects"][0];
  EXPECT_EQ(oj["key"], "k1");
  EXPECT_EQ(oj["vary"]["accept-encoding"], "gzip");
  EXPECT_EQ(oj["body_bytes"], 5);
  EXPECT_EQ(oj["tags"], json::array({"t1"}));
  EXPECT_EQ(oj["invalidated"], true);
  EXPECT_EQ(oj["headers"][0][0], "content-type");
  EXPECT_EQ(body_json(*call("GET", "/cache/lookup?url=https://other/"))["objects"].size(), 0u);
  EXPECT_EQ(call("GET", "/cache/lookup")->status(), 400);
}

TEST_F(CacheAdminTest, TagsAndStats) {
  store->tag_list = {{"a", 5}, {"b", 2}, {"c", 1}};
  auto j = body_json(*call("GET", "/cache/tags?limit=2"));
  EXPECT_EQ(j["tags"], json::parse(R"([{"tag":"a","objects":5},{"tag":"b","objects":2}])"));
  EXPECT_EQ(body_json(*call("GET", "/cache/tags"))["tags"].size(), 3u);
  EXPECT_EQ(call("GET", "/cache/tags?limit=0")->status(), 400);
  EXPECT_EQ(call("GET", "/cache/tags?limit=x")->status(), 400);
  store->stats_value.objects = 7;
  store->stats_value.disk_bytes = 99;
  store->stats_value.purged = 4;
  j = body_json(*call("GET", "/cache/stats"));
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["objects"], 7);
  EXPECT_EQ(j["disk_bytes"], 99);
  EXPECT_EQ(j["purged"], 4);
  EXPECT_TRUE(j["purge_bus"].is_null());
}

TEST_F(CacheAdminTest, NoStore) {
  cache::set_process_store(nullptr);
  EXPECT_EQ(call("GET", "/cache/tags")->status(), 404);
  EXPECT_EQ(call("GET", "/cache/lookup?url=x")->status(), 404);
  EXPECT_EQ(body_json(*call("GET", "/cache/stats"))["enabled"], false);
  auto ex = call("POST", "/cache/purge", R"({"all":true})");
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(body_json(*ex)["purged"], 0);
}

TEST_F(CacheAdminTest, BehindTheAdminToken) {
  token_ = "s3cret";
  auto ex = call("POST", "/cache/purge", R"({"all":true})");
  EXPECT_EQ(ex->status(), 401);
  EXPECT_EQ(call("POST", "/cache/purge", R"({"all":true})", "wrong")->status(), 401);
  EXPECT_EQ(call("GET", "/cache/stats")->status(), 401);
  EXPECT_TRUE(store->calls().empty());
  ex = call("POST", "/cache/purge", R"({"all":true})", "s3cret");
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(store->calls().size(), 1u);
}

}  // namespace
}  // namespace strata::admin

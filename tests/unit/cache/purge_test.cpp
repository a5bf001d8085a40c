#include "cache/purge.hpp"

#include <future>

#include <gtest/gtest.h>

#include "cache/purge_bus.hpp"
#include "cache/url_match.hpp"
#include "config/config.hpp"
#include "config/redis.hpp"
#include "obs/metrics.hpp"
#include "unit/cache/fake_store.hpp"

namespace strata::cache {
namespace {

std::string error_of(std::string_view body) {
  std::string e;
  EXPECT_FALSE(parse_purge_json(body, e)) << body;
  return e;
}

double purges(std::string_view kind) {
  const std::string text = obs::Registry::global().render();
  const std::string prefix = "strata_cache_purges_total{kind=\"" + std::string(kind) + "\"} ";
  const auto at = text.find(prefix);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + prefix.size()));
}

TEST(PurgeJson, ParsesAndRoundTrips) {
  std::string e;
  auto r = parse_purge_json(R"({"tags":["a","b"],"urls":["https://h/x"],"prefixes":["/p/"],"all":false,"soft":true})", e);
  ASSERT_TRUE(r) << e;
  EXPECT_EQ(r->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->urls, (std::vector<std::string>{"https://h/x"}));
  EXPECT_EQ(r->prefixes, (std::vector<std::string>{"/p/"}));
  EXPECT_FALSE(r->all);
  EXPECT_TRUE(r->soft);
  auto back = parse_purge_json(purge_json(*r, "node1"), e);  // the bus's form parses too
  ASSERT_TRUE(back) << e;
  EXPECT_EQ(back->tags, r->tags);
  EXPECT_TRUE(back->soft);
  EXPECT_TRUE(parse_purge_json(R"({"all":true})", e));
}

TEST(PurgeJson, Refuses) {
  EXPECT_NE(error_of("not json").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of("{}").find("nothing to purge"), std::string::npos);
  EXPECT_NE(error_of(R"({"all":false})").find("nothing to purge"), std::string::npos);
  EXPECT_NE(error_of(R"({"tags":"a"})").find("array"), std::string::npos);
  EXPECT_NE(error_of(R"({"tags":[1]})").find("non-empty strings"), std::string::npos);
  EXPECT_NE(error_of(R"({"urls":[""]})").find("non-empty strings"), std::string::npos);
  EXPECT_NE(error_of(R"({"all":"yes"})").find("true or false"), std::string::npos);
  EXPECT_NE(error_of(R"({"tag":["a"]})").find("unknown member tag"), std::string::npos);
  std::string many = R"({"tags":[)";
  for (std::size_t i = 0; i <= kMaxPurgeItems; ++i) many += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  EXPECT_NE(error_of(many + "]}").find("at most"), std::string::npos);
}

TEST(Purge, AppliesEveryItemAndCounts) {
  test::FakeStore store;
  store.per_purge = 2;
  const double tag0 = std::max(0.0, purges("tag")), all0 = std::max(0.0, purges("all"));
  PurgeRequest r;
  r.tags = {"a", "b"};
  r.urls = {"https://h/x"};
  r.prefixes = {"/p/"};
  r.all = true;
  r.soft = true;
  const auto c = apply_purge(store, r);
  EXPECT_EQ(c.tags, 4u);
  EXPECT_EQ(c.urls, 2u);
  EXPECT_EQ(c.prefixes, 2u);
  EXPECT_EQ(c.all, 2u);
  EXPECT_EQ(c.total(), 10u);
  const auto calls = store.calls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[0].kind, "all");
  EXPECT_EQ(calls[1].arg, "a");
  EXPECT_EQ(calls[4].kind, "prefix");
  for (const auto& call : calls) EXPECT_EQ(call.mode, PurgeMode::soft);
  EXPECT_EQ(purges("tag"), tag0 + 2);
  EXPECT_EQ(purges("all"), all0 + 1);
}

TEST(UrlMatch, PrefixForms) {
  EXPECT_EQ(url_target("https://h.test/a/b?q"), "/a/b?q");
  EXPECT_EQ(url_target("https://h.test"), "/");
  EXPECT_TRUE(url_matches_prefix("https://h.test/a/b", "/a/"));
  EXPECT_TRUE(url_matches_prefix("http://other/a/b", "/a/"));
  EXPECT_FALSE(url_matches_prefix("https://h.test/b/a/", "/a/"));
  EXPECT_TRUE(url_matches_prefix("https://h.test/a/b", "https://h.test/a"));
  EXPECT_FALSE(url_matches_prefix("http://h.test/a/b", "https://h.test/a"));
}

// The bus without a reachable Redis: messages from other nodes are
// applied, its own and malformed ones are not; a publish fails at once.
TEST(PurgeBus, HandlesMessagesAndFailsFastWithoutRedis) {
  auto store = std::make_shared<test::FakeStore>();
  config::RedisConfig rc;
  rc.addresses = {"127.0.0.1:9"};  // discard: nothing listens
  PurgeBus bus(rc, "ch", [store] { return std::shared_ptr<Store>(store); });
  EXPECT_TRUE(bus.handle_message(R"({"node":"someone-else","tags":["t"],"soft":false})"));
  ASSERT_EQ(store->calls().size(), 1u);
  EXPECT_EQ(store->calls()[0].arg, "t");
  EXPECT_EQ(store->calls()[0].mode, PurgeMode::hard);
  EXPECT_FALSE(bus.handle_message(purge_json(PurgeRequest{{"u"}, {}, {}, false, false}, PurgeBus::node_id())));
  EXPECT_FALSE(bus.handle_message("garbage"));
  EXPECT_FALSE(bus.handle_message(R"({"node":"x"})"));
  EXPECT_EQ(store->calls().size(), 1u);

  std::promise<PublishResult> p;
  bus.publish(PurgeRequest{{"t"}, {}, {}, false, false}, [&](PublishResult r) { p.set_value(std::move(r)); });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const auto r = f.get();
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
  EXPECT_FALSE(bus.subscribed());
}

// The server's wiring across reloads: a bus only with redis, a channel and
// a cached route; kept while those are unchanged, replaced when they change.
TEST(PurgeBus, ConfiguredPerGeneration) {
  config::Config cfg;
  config::RedisConfig rc;
  rc.addresses = {"127.0.0.1:9"};
  cfg.redis = rc;
  configure_purge_bus(cfg);
  EXPECT_EQ(process_purge_bus(), nullptr);  // no cached route
  config::Route r;
  r.cache = config::RouteCache{};
  cfg.route_tables["main"].push_back(r);
  configure_purge_bus(cfg);
  auto first = process_purge_bus();
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->channel(), "strata:cache:purge");
  configure_purge_bus(cfg);
  EXPECT_EQ(process_purge_bus(), first);  // unchanged: kept
  cfg.cache.purge_channel = "other";
  configure_purge_bus(cfg);
  auto second = process_purge_bus();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_EQ(second->channel(), "other");
  cfg.cache.purge_channel.clear();
  configure_purge_bus(cfg);
  EXPECT_EQ(process_purge_bus(), nullptr);  // broadcasting off
  cfg.cache.purge_channel = "x";
  configure_purge_bus(cfg);
  EXPECT_NE(process_purge_bus(), nullptr);
  stop_purge_bus();
  EXPECT_EQ(process_purge_bus(), nullptr);
}

}  // namespace
}  // namespace strata::cache

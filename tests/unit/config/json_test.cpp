// to_json: complete, valid JSON that the loader reads back to the same config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"

using namespace strata::config;

namespace {

const char* kSample = R"(
listeners:
  - name: s
    address: 127.0.0.1:0
    tls: {self_signed: true, ciphers: "ECDHE+AESGCM"}
    protocols: [h1, h2]
admin: {}
clusters:
  a:
    lb: ring_hash
    hash_on: client_address
    endpoints: ["[2001:db8::1]:80", {address: "b.example:81", weight: 5}]
  g: {protocol: h2c, endpoints: ["g:1"], dns_refresh: 90s}
route_tables:
  t:
    - match: {hosts: ["*.x.org"], prefix: /p/, headers: [{name: h, regex: "v[0-9]+"}]}
      proxy: {cluster: a, timeout: 1500ms, prefix_rewrite: /q/, host_rewrite: "x.org:8080"}
      request_headers: {add: {a: "1", b: "two words"}, remove: [c]}
    - match: {path: /r}
      redirect: {host: y.org, port: 8443}
    - files: {root: /srv}
      response_headers: {add: {x-note: "line \"quoted\""}}
    - respond: {status: 418, body: "<teapot>\n\ttab", content_type: text/html}
limits: {max_body: 5MB, stream_buffer: 64KiB}
timeouts: {route: 2m}
state_dir: /tmp/s
)";

}  // namespace

TEST(ConfigJson, EveryFieldPresent) {
  auto c = load_string(kSample, "j.yaml");
  auto j = nlohmann::json::parse(to_json(*c));
  EXPECT_EQ(j["workers"], 0);
  EXPECT_EQ(j["listeners"][0]["tls"]["ciphers"], "ECDHE+AESGCM");
  EXPECT_EQ(j["listeners"][0]["tls"]["ticket_key_rotation"], "12h");
  EXPECT_EQ(j["listeners"][0]["protocols"], nlohmann::json({"h1", "h2"}));
  EXPECT_EQ(j["admin"]["address"], "127.0.0.1:9901");
  EXPECT_EQ(j["clusters"]["a"]["hash_on"], "client_address");
  EXPECT_EQ(j["clusters"]["a"]["endpoints"][0]["address"], "[2001:db8::1]:80");
  EXPECT_EQ(j["clusters"]["a"]["endpoints"][1]["weight"], 5);
  EXPECT_EQ(j["clusters"]["g"]["dns_refresh"], "90s");
  EXPECT_EQ(j["clusters"]["g"]["connect_timeout"], "2s");
  EXPECT_EQ(j["route_tables"]["t"][0]["proxy"]["timeout"], "1500ms");
  EXPECT_EQ(j["route_tables"]["t"][0]["name"], "t#0");
  EXPECT_EQ(j["route_tables"]["t"][3]["respond"]["status"], 418);
  EXPECT_EQ(j["limits"]["max_body"], 5000000);
  EXPECT_EQ(j["limits"]["stream_buffer"], 65536);
  EXPECT_EQ(j["limits"]["max_headers"], 100);
  EXPECT_EQ(j["timeouts"]["route"], "2m");
  EXPECT_EQ(j["timeouts"]["header"], "10s");
  EXPECT_EQ(j["access_log"]["format"], "json");
  EXPECT_EQ(j["state_dir"], "/tmp/s");
}

TEST(ConfigJson, RoundTripsThroughTheLoader) {
  auto c1 = load_string(kSample, "j.yaml");
  const std::string j1 = to_json(*c1);
  auto c2 = load_string(j1, "j.json");  // JSON is YAML
  EXPECT_EQ(to_json(*c2), j1);
  auto d1 = load_string(embedded_default_yaml(), "<embedded>");
  const std::string dj = to_json(*d1);
  EXPECT_EQ(to_json(*load_string(dj, "d.json")), dj);
}

TEST(ConfigJson, InvalidUtf8DoesNotThrow) {
  auto c = load_string("listeners: [{address: '0.0.0.0:80'}]\n"
                       "route_tables: {t: [{respond: {body: \"\xff\"}}]}\n",
                       "u.yaml");
  std::string out;
  EXPECT_NO_THROW(out = to_json(*c));
  EXPECT_NE(out.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
}

TEST(ConfigJson, SelfReferentialAliasIsAnErrorNotACrash) {
  EXPECT_THROW(load_string("a: &x [*x]\nb: *x\n", "a.yaml"), ConfigError);
}

// The delivery settings (cache storage, route cache, compression and header
// filters, Early Hints, priority) are dumped and read back unchanged.
TEST(ConfigJson, DeliverySettingsRoundTrip) {
  const char* yaml = R"(
listeners:
  - address: 127.0.0.1:0
    filters: [{headers: {request: {add: {x-l: "1"}}}}]
cache: {memory_bytes: 64MiB, max_object_bytes: 2MiB, policy: lru,
        disk: {path: /tmp/strata-json-test, max_bytes: 100MiB}, purge_channel: p}
clusters:
  a: {endpoints: ["127.0.0.1:1"]}
route_tables:
  t:
    - match: {prefix: /}
      proxy: {cluster: a}
      cache: {ttl: 5m, vary: [accept-language], key: {headers: [x-tenant], cookies: [lang],
              client_prefix: true, query: false}, stale_while_revalidate: 30s,
              stale_if_error: 1h, tags: [user, profile], coalesce_timeout: 2s,
              max_object_bytes: 1MiB, strip_tag_headers: false, name: edge}
      filters:
        - compression: {encodings: [br, gzip], min_length: 100, types: [text/*], levels: {gzip: 5, br: 3, zstd: 2}}
        - headers: {response: {add: {x-r: "2"}, remove: [server]}}
      early_hints: {links: ["</a.css>; rel=preload; as=style"], relay: false, remember: true,
                    remember_max_urls: 50}
      priority: {urgency: 1, incremental: true}
)";
  auto c = load_string(yaml, "d.yaml");
  auto again = load_string(to_json(*c), "d.json");
  EXPECT_EQ(again->cache, c->cache);
  const auto& r0 = c->route_tables.at("t")[0];
  const auto& r1 = again->route_tables.at("t")[0];
  ASSERT_TRUE(r1.cache);
  EXPECT_EQ(*r1.cache, *r0.cache);
  EXPECT_EQ(r1.cache->name, "edge");
  EXPECT_EQ(r1.early_hints, r0.early_hints);
  ASSERT_TRUE(r1.priority);
  EXPECT_EQ(*r1.priority, *r0.priority);
  ASSERT_EQ(r1.filters.size(), 2u);
  EXPECT_EQ(r1.filters[0].type, "compression");
  EXPECT_EQ(r1.filters[0].compression, r0.filters[0].compression);
  EXPECT_EQ(r1.filters[1].type, "headers");
  EXPECT_EQ(r1.filters[1].headers.response_add, r0.filters[1].headers.response_add);
  EXPECT_EQ(r1.filters[1].headers.response_remove, r0.filters[1].headers.response_remove);
  ASSERT_EQ(again->listeners[0].filters.size(), 1u);
  EXPECT_EQ(again->listeners[0].filters[0].headers.request_add,
            c->listeners[0].filters[0].headers.request_add);
}

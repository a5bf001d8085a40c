// The pipeline on the filter chain: one request context per request (the
// id the upstream sees is the id in the access log), local replies with a
// reason, the 0-RTT rule, Alt-Svc, x-strata-tier and listener/route
// `filters:` from config.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "http/context.hpp"
#include "obs/access_log.hpp"
#include "obs/metrics.hpp"
#include "router/pipeline.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;

namespace {

// Answers 200 and records what the proxy would use; `tier` simulates a
// fallback tier answering.
class CtxUpstreams : public upstream::Upstreams {
 public:
  void apply(std::shared_ptr<const config::Config>) override {}
  boost::asio::awaitable<void> proxy(http::Exchange& ex, const config::ProxyAction&,
                                     std::string_view) override {
    seen_headers = ex.request().headers;
    if (auto* c = ex.context()) {
      request_ids.emplace_back(c->request_id.view());
      if (!tier.empty()) c->tier = tier, c->tier_header = true, c->cluster = "backend";
    }
    http::Response r;
    r.status = 200;
    r.headers.add("content-length", "2");
    co_await ex.send_head(r, false);
    co_await ex.send_body(std::span<const char>("ok", 2), true);
  }
  void stop() override {}

  std::vector<std::string> request_ids;
  http::Headers seen_headers;
  std::string_view tier;
};

std::shared_ptr<const config::Config> load(std::string_view yaml) {
  return config::load_string(yaml, "t.yaml");
}

constexpr std::string_view kYaml = R"(
listeners:
  - name: pf
    address: 127.0.0.1:0
    filters:
      - headers:
          request: {add: {x-from-listener: "1"}}
          response: {add: {x-listener: "yes"}}
clusters:
  backend: {endpoints: ["127.0.0.1:1"]}
route_tables:
  main:
    - name: tagged
      match: {headers: [{name: x-from-listener, exact: "1"}], prefix: /api/}
      proxy: {cluster: backend}
      request_headers: {add: {x-legacy: "1"}}
      filters:
        - headers:
            request: {remove: [x-secret]}
            response: {add: {x-route: "yes"}, remove: [x-listener]}
    - name: hello
      match: {path: /hello}
      respond: {status: 200, body: "hi\n"}
)";

struct Fixture {
  std::shared_ptr<const config::Config> cfg = load(kYaml);
  std::shared_ptr<CtxUpstreams> up = std::make_shared<CtxUpstreams>();
  std::shared_ptr<http::Handler> h;
  boost::asio::io_context io;

  explicit Fixture(std::string alt_svc = {}) {
    h = router::make_pipeline(cfg, cfg->listeners[0], up, alt_svc);
  }
  std::unique_ptr<test::FakeExchange> run(std::string target, std::string method = "GET",
                                          http::Protocol proto = http::Protocol::http11,
                                          bool early = false) {
    auto ex = std::make_unique<test::FakeExchange>(io);
    ex->req.target = std::move(target);
    ex->req.method = std::move(method);
    ex->req.protocol = proto;
    ex->req.early_data = early;
    ex->req.headers.add("x-secret", "s");
    test::run_handler(io, *h, *ex);
    return ex;
  }
};

}  // namespace

TEST(PipelineFilters, ListenerEditsRunBeforeRoutingRouteEditsAfter) {
  Fixture f;
  auto ex = f.run("/api/x");
  EXPECT_EQ(ex->status(), 200);  // matched only because the listener added the header
  EXPECT_TRUE(f.up->seen_headers.has("x-from-listener"));
  EXPECT_TRUE(f.up->seen_headers.has("x-legacy"));
  EXPECT_FALSE(f.up->seen_headers.has("x-secret"));
  EXPECT_EQ(ex->header("x-route"), "yes");
  // Response order: route first (its remove of x-listener sees nothing yet),
  // then the listener adds its field.
  EXPECT_EQ(ex->header("x-listener"), "yes");
}

TEST(PipelineFilters, NoRouteIsALocalReplyWithAReason) {
  Fixture f;
  auto ex = f.run("/nothing");
  EXPECT_EQ(ex->status(), 404);
  EXPECT_EQ(ex->body, "no route\n");
  EXPECT_EQ(ex->header("x-strata-reason"), "no-route");
  EXPECT_EQ(ex->header("x-listener"), "yes");  // listener response filters still run
  // A configured answer carries no reason header.
  auto hello = f.run("/hello");
  EXPECT_EQ(hello->status(), 200);
  EXPECT_FALSE(hello->head->headers.has("x-strata-reason"));
}

TEST(PipelineFilters, TooEarlyForUnsafeMethodsIn0Rtt) {
  Fixture f;
  auto& too_early = obs::counter("strata_quic_early_data_total", "", {{"outcome", "too_early"}});
  const auto before = too_early.value();
  auto post = f.run("/api/x", "POST", http::Protocol::h3, true);
  EXPECT_EQ(post->status(), 425);
  EXPECT_EQ(post->body, "too early: retry after the handshake\n");
  EXPECT_EQ(post->header("x-strata-reason"), "too-early");
  EXPECT_EQ(too_early.value(), before + 1);
  EXPECT_TRUE(f.up->request_ids.empty());  // never reached the upstream
  auto get = f.run("/api/x", "GET", http::Protocol::h3, true);
  EXPECT_EQ(get->status(), 200);
  EXPECT_EQ(f.up->seen_headers.get("early-data"), std::optional<std::string_view>("1"));
}

TEST(PipelineFilters, AltSvcOnTcpProtocolsOnly) {
  Fixture f("h3=\":8443\"; ma=86400");
  EXPECT_EQ(f.run("/hello", "GET", http::Protocol::http11)->header("alt-svc"),
            "h3=\":8443\"; ma=86400");
  EXPECT_EQ(f.run("/hello", "GET", http::Protocol::h2)->header("alt-svc"), "h3=\":8443\"; ma=86400");
  EXPECT_FALSE(f.run("/hello", "GET", http::Protocol::h3)->head->headers.has("alt-svc"));
  Fixture none;
  EXPECT_FALSE(none.run("/hello")->head->headers.has("alt-svc"));
}

TEST(PipelineFilters, TierHeaderComesFromTheContext) {
  Fixture f;
  f.up->tier = "secondary";
  EXPECT_EQ(f.run("/api/x")->header("x-strata-tier"), "secondary");
  f.up->tier = {};
  EXPECT_FALSE(f.run("/api/x")->head->headers.has("x-strata-tier"));
}

TEST(PipelineFilters, GeneratedRequestIdIsTheOneLoggedAndSentUpstream) {
  auto path = std::filesystem::temp_directory_path() /
              ("strata_pf_log_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  auto& log = obs::AccessLogger::global();
  config::AccessLog al;
  al.enabled = true;
  al.path = path.string();
  ASSERT_TRUE(log.configure(al));
  std::vector<std::string> ids;
  {
    Fixture f;
    f.up->tier = "primary";
    f.run("/api/generated");
    auto ex = std::make_unique<test::FakeExchange>(f.io);
    ex->req.target = "/api/given";
    ex->req.headers.add("x-request-id", "client-id-1");
    test::run_handler(f.io, *f.h, *ex);
    ids = f.up->request_ids;
  }
  log.flush();
  al.enabled = false;
  log.configure(al);
  log.stop();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].size(), 36u);
  EXPECT_EQ(ids[1], "client-id-1");
  std::ifstream in(path);
  std::string line;
  std::map<std::string, nlohmann::json> by_target;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    if (j["listener"] == "pf") by_target[j["target"]] = j;
  }
  ASSERT_EQ(by_target.count("/api/generated"), 1u);
  const auto& g = by_target["/api/generated"];
  EXPECT_EQ(g["request_id"], ids[0]);
  EXPECT_EQ(g["route"], "tagged");
  EXPECT_EQ(g["cluster"], "backend");
  EXPECT_EQ(g["tier"], "primary");
  EXPECT_EQ(g["trace_id"].get<std::string>().size(), 32u);
  EXPECT_FALSE(g.contains("reason"));
  EXPECT_EQ(by_target["/api/given"]["request_id"], "client-id-1");
  std::filesystem::remove(path);
}

TEST(PipelineFilters, AccessLogNamesTheLocalReplyReason) {
  obs::AccessRecord rec;
  rec.reason.assign("no-route");
  rec.slots[std::size_t(http::Slot::cache_status)].assign("miss");
  auto j = nlohmann::json::parse(obs::format_access_json(rec));
  EXPECT_EQ(j["reason"], "no-route");
  EXPECT_EQ(j["cache_status"], "miss");
  EXPECT_FALSE(j.contains("rate_limit_key"));
  EXPECT_FALSE(j.contains("tier"));
}

TEST(PipelineFilters, UnknownFilterTypeIsAConfigError) {
  try {
    load(R"(
listeners: [{address: 127.0.0.1:0, filters: [{gzip: {}}]}]
route_tables: {t: [{respond: {}}]}
)");
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'gzip' in filter"), std::string::npos)
        << e.what();
  }
}

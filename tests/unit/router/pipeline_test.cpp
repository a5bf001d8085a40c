#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "obs/access_log.hpp"
#include "obs/metrics.hpp"
#include "router/matchers.hpp"
#include "router/pipeline.hpp"
#include "unit/support/fake_exchange_router.hpp"

using namespace strata;

namespace {

class FakeUpstreams : public upstream::Upstreams {
 public:
  void apply(std::shared_ptr<const config::Config>) override {}
  boost::asio::awaitable<void> proxy(http::Exchange& ex, const config::ProxyAction& action,
                                     std::string_view matched_prefix) override {
    cluster = action.cluster;
    prefix = std::string(matched_prefix);
    seen_headers = ex.request().headers;
    http::Response r;
    r.status = 201;
    r.headers.add("x-upstream", "yes");
    r.headers.add("server", "upstream");
    r.headers.add("content-length", "2");
    co_await ex.send_head(r, false);
    co_await ex.send_body(std::span<const char>("ok", 2), true);
  }
  void stop() override {}

  std::string cluster;
  std::string prefix;
  http::Headers seen_headers;
};

std::shared_ptr<config::Config> base_config(std::string listener) {
  auto c = std::make_shared<config::Config>();
  config::Listener l;
  l.name = std::move(listener);
  l.routes = "main";
  c->listeners.push_back(l);
  c->clusters["backend"] = config::Cluster{};

  config::Route api;
  api.name = "api";
  api.match.prefix = "/api/";
  config::ProxyAction p;
  p.cluster = "backend";
  api.action = p;
  api.request_headers_add = {{"X-Added", "1"}};
  api.request_headers_remove = {"x-secret"};
  api.response_headers_add = {{"X-Served-By", "strata"}};
  api.response_headers_remove = {"server"};

  config::Route hello;
  hello.name = "hello";
  hello.match.path = "/hello";
  hello.action = config::RespondAction{203, "hi\n", "text/plain"};

  config::Route redir;
  redir.name = "redir";
  redir.match.hosts = {"old.example"};
  config::RedirectAction ra;
  ra.host = "new.example";
  ra.status = 308;
  redir.action = ra;

  c->route_tables["main"] = {api, hello, redir};
  return c;
}

struct Fixture {
  std::shared_ptr<config::Config> cfg;
  std::shared_ptr<FakeUpstreams> up = std::make_shared<FakeUpstreams>();
  std::shared_ptr<http::Handler> h;
  boost::asio::io_context io;

  explicit Fixture(std::string listener) : cfg(base_config(std::move(listener))) {
    h = router::make_pipeline(cfg, cfg->listeners[0], up);
  }
  std::unique_ptr<test::RouterFakeExchange> run(std::string authority, std::string target,
                                                http::Protocol proto = http::Protocol::http11) {
    auto ex = std::make_unique<test::RouterFakeExchange>(io);
    ex->req.authority = std::move(authority);
    ex->req.target = std::move(target);
    ex->req.protocol = proto;
    ex->req.headers.add("x-secret", "s");
    test::run_handler(io, *h, *ex);
    return ex;
  }
};

std::uint64_t requests(std::string listener, std::string proto, std::string code) {
  return obs::counter("strata_requests_total", "", {{"listener", listener}, {"protocol", proto},
                                                     {"code", code}})
      .value();
}

}  // namespace

TEST(RouterPipeline, ProxyWithHeaderEdits) {
  Fixture f("pl_proxy");
  const auto before = requests("pl_proxy", "HTTP/1.1", "2xx");
  auto ex = f.run("any.example", "/api/users?x=1");
  EXPECT_EQ(ex->status(), 201);
  EXPECT_EQ(ex->body, "ok");
  EXPECT_EQ(f.up->cluster, "backend");
  EXPECT_EQ(f.up->prefix, "/api/");
  EXPECT_EQ(f.up->seen_headers.get("x-added"), std::optional<std::string_view>("1"));
  EXPECT_FALSE(f.up->seen_headers.has("x-secret"));
  EXPECT_EQ(ex->header("x-served-by"), "strata");
  EXPECT_EQ(ex->header("x-upstream"), "yes");
  EXPECT_FALSE(ex->head->headers.has("server"));
  EXPECT_EQ(requests("pl_proxy", "HTTP/1.1", "2xx"), before + 1);
  EXPECT_EQ(obs::counter("strata_responses_by_route_total", "", {{"route", "api"}, {"code", "2xx"}})
                .value() >= 1,
            true);
}

TEST(RouterPipeline, RespondRedirectAndNoRoute) {
  Fixture f("pl_misc");
  const auto h2_2xx = requests("pl_misc", "HTTP/2", "2xx");
  const auto h1_3xx = requests("pl_misc", "HTTP/1.1", "3xx");
  const auto h1_4xx = requests("pl_misc", "HTTP/1.1", "4xx");
  auto& hist = obs::histogram("strata_request_duration_seconds", "", {{"listener", "pl_misc"}});
  const auto observed = hist.count();
  auto a = f.run("x", "/hello", http::Protocol::h2);
  EXPECT_EQ(a->status(), 203);
  EXPECT_EQ(a->body, "hi\n");
  EXPECT_EQ(a->header("content-type"), "text/plain");

  auto b = f.run("old.example:8080", "/p?q=1");
  EXPECT_EQ(b->status(), 308);
  EXPECT_EQ(b->header("location"), "http://new.example/p?q=1");

  auto c = f.run("x", "/nothing");
  EXPECT_EQ(c->status(), 404);
  EXPECT_FALSE(c->body.empty());

  EXPECT_EQ(requests("pl_misc", "HTTP/2", "2xx"), h2_2xx + 1);
  EXPECT_EQ(requests("pl_misc", "HTTP/1.1", "3xx"), h1_3xx + 1);
  EXPECT_EQ(requests("pl_misc", "HTTP/1.1", "4xx"), h1_4xx + 1);
  EXPECT_EQ(hist.count(), observed + 3);
}

TEST(RouterPipeline, UnknownClusterOrTableThrows) {
  auto c = base_config("pl_bad");
  std::get<config::ProxyAction>(c->route_tables["main"][0].action).cluster = "nope";
  EXPECT_THROW(router::make_pipeline(c, c->listeners[0], nullptr), router::RouteError);
  auto d = base_config("pl_bad2");
  d->listeners[0].routes = "missing";
  EXPECT_THROW(router::make_pipeline(d, d->listeners[0], nullptr), router::RouteError);
}

TEST(RouterPipeline, WritesAccessLog) {
  auto path = std::filesystem::temp_directory_path() /
              ("strata_pipeline_log_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  auto& log = obs::AccessLogger::global();
  config::AccessLog al;
  al.enabled = true;
  al.path = path.string();
  ASSERT_TRUE(log.configure(al));
  {
    Fixture f("pl_log");
    auto ex = f.run("log.example", "/hello?a=\"b\"");
    EXPECT_EQ(ex->status(), 203);
  }
  log.flush();
  al.enabled = false;
  log.configure(al);
  log.stop();
  std::ifstream in(path);
  std::string line, all;
  while (std::getline(in, line))
    if (line.find("pl_log") != std::string::npos) all = line;
  EXPECT_NE(all.find("\"route\":\"hello\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"status\":203"), std::string::npos) << all;
  EXPECT_NE(all.find("\"target\":\"/hello?a=\\\"b\\\"\""), std::string::npos) << all;
  EXPECT_NE(all.find("\"bytes_sent\":3"), std::string::npos) << all;
  std::filesystem::remove(path);
}

// Good configurations: values land in the right fields, defaults fill in.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace strata::config;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kFull = R"(
workers: 4
state_dir: /var/lib/strata-test
listeners:
  - name: public
    address: "[::]:8443"
    tls:
      self_signed: true
      min_version: "1.3"
      ciphersuites: TLS_AES_128_GCM_SHA256
      groups: X25519
      session_tickets: false
      ticket_key_rotation: 1h
    protocols: [h1, h2, h3]
    routes: main
    alt_svc: false
  - address: 127.0.0.1:0
    routes: main
admin:
  address: 127.0.0.1:0
clusters:
  api:
    lb: ring_hash
    hash_on: {header: X-User}
    endpoints:
      - 10.0.0.1:8080
      - "[::1]:8081"
      - {address: "api.internal:9000", weight: 3}
    connect_timeout: 500ms
    ring_size: 4096
  grpc:
    protocol: h2
    sni: grpc.internal
    tls_verify: true
    endpoints: [grpc.internal:443]
route_tables:
  main:
    - name: api
      match:
        hosts: [example.com, "*.example.com"]
        prefix: /api/
        methods: [GET, POST]
        headers:
          - {name: X-Debug, present: false}
          - {name: Accept, prefix: application/}
      proxy:
        cluster: api
        timeout: 30s
        per_try_timeout: 10s
        prefix_rewrite: /
        host_rewrite: api.internal
      request_headers:
        add: {X-Forwarded-Proto: https}
        remove: [Cookie]
      response_headers:
        remove: [Server]
    - match: {path: /old}
      redirect: {status: 308, path: /new, keep_query: false}
    - match: {regex: "/static/.*\\.css"}
      files: {root: /srv/www, index: "", strip_prefix: false}
    - respond: {status: 404, body: nope}
limits:
  max_body: 1MiB
  max_header_bytes: 16KB
  max_headers: 50
  h2_max_frame_size: 32KiB
timeouts:
  header: 5s
  drain: 0
access_log:
  enabled: true
  path: "-"
  format: combined
)";

}  // namespace

TEST(ConfigLoader, FullConfigMapsOntoStructs) {
  auto c = load_string(kFull, "full.yaml");
  EXPECT_EQ(c->source, "full.yaml");
  EXPECT_EQ(c->workers, 4u);
  EXPECT_EQ(c->state_dir, "/var/lib/strata-test");
  ASSERT_EQ(c->listeners.size(), 2u);
  const auto& l0 = c->listeners[0];
  EXPECT_EQ(l0.name, "public");
  EXPECT_EQ(l0.address, "[::]:8443");
  ASSERT_TRUE(l0.tls);
  EXPECT_TRUE(l0.tls->self_signed);
  EXPECT_EQ(l0.tls->min_version, "1.3");
  EXPECT_EQ(l0.tls->max_version, "1.3");
  EXPECT_EQ(l0.tls->ciphersuites, "TLS_AES_128_GCM_SHA256");
  EXPECT_FALSE(l0.tls->session_tickets);
  EXPECT_EQ(l0.tls->ticket_key_rotation, 1h);
  EXPECT_EQ(l0.protocols, (std::vector<std::string>{"h1", "h2", "h3"}));
  EXPECT_FALSE(l0.alt_svc);
  EXPECT_EQ(l0.loc.line, 5);
  EXPECT_EQ(l0.loc.column, 5);  // the mapping starts at its first key
  const auto& l1 = c->listeners[1];
  EXPECT_EQ(l1.name, "listener1");
  EXPECT_EQ(l1.protocols, (std::vector<std::string>{"h1", "h2c"}));
  ASSERT_TRUE(c->admin);
  EXPECT_EQ(c->admin->address, "127.0.0.1:0");

  const auto& api = c->clusters.at("api");
  EXPECT_EQ(api.lb, LbPolicy::ring_hash);
  ASSERT_TRUE(api.hash_on);
  EXPECT_EQ(api.hash_on->kind, HashOn::Kind::header);
  EXPECT_EQ(api.hash_on->name, "x-user");
  ASSERT_EQ(api.endpoints.size(), 3u);
  EXPECT_EQ(api.endpoints[1].host, "::1");
  EXPECT_EQ(api.endpoints[1].port, 8081);
  EXPECT_EQ(api.endpoints[2].host, "api.internal");
  EXPECT_EQ(api.endpoints[2].weight, 3u);
  EXPECT_EQ(api.connect_timeout, 500ms);
  EXPECT_EQ(api.ring_size, 4096u);
  EXPECT_FALSE(api.tls);
  const auto& grpc = c->clusters.at("grpc");
  EXPECT_TRUE(grpc.tls);  // implied by h2
  EXPECT_EQ(grpc.sni, "grpc.internal");
  EXPECT_TRUE(grpc.tls_verify);

  const auto& routes = c->route_tables.at("main");
  ASSERT_EQ(routes.size(), 4u);
  const auto& r0 = routes[0];
  EXPECT_EQ(r0.name, "api");
  EXPECT_EQ(r0.match.hosts, (std::vector<std::string>{"example.com", "*.example.com"}));
  EXPECT_EQ(r0.match.prefix, "/api/");
  EXPECT_EQ(r0.match.methods, (std::vector<std::string>{"GET", "POST"}));
  ASSERT_EQ(r0.match.headers.size(), 2u);
  EXPECT_EQ(r0.match.headers[0].name, "x-debug");
  EXPECT_FALSE(r0.match.headers[0].present);
  EXPECT_EQ(r0.match.headers[1].prefix, "application/");
  const auto& p = std::get<ProxyAction>(r0.action);
  EXPECT_EQ(p.cluster, "api");
  EXPECT_EQ(p.timeout, 30s);
  EXPECT_EQ(p.per_try_timeout, 10s);
  EXPECT_EQ(p.prefix_rewrite, "/");
  EXPECT_EQ(p.host_rewrite, "api.internal");
  EXPECT_EQ(r0.request_headers_add, (HeaderList{{"x-forwarded-proto", "https"}}));
  EXPECT_EQ(r0.request_headers_remove, (std::vector<std::string>{"cookie"}));
  EXPECT_EQ(r0.response_headers_remove, (std::vector<std::string>{"server"}));
  EXPECT_EQ(routes[1].name, "main#1");
  const auto& rd = std::get<RedirectAction>(routes[1].action);
  EXPECT_EQ(rd.status, 308);
  EXPECT_EQ(rd.path, "/new");
  EXPECT_FALSE(rd.keep_query);
  EXPECT_EQ(routes[2].match.regex, "/static/.*\\.css");
  const auto& f = std::get<FilesAction>(routes[2].action);
  EXPECT_EQ(f.root, "/srv/www");
  EXPECT_EQ(f.index, "");
  EXPECT_FALSE(f.strip_prefix);
  const auto& rs = std::get<RespondAction>(routes[3].action);
  EXPECT_EQ(rs.status, 404);
  EXPECT_EQ(rs.body, "nope");
  EXPECT_EQ(rs.content_type, "text/plain; charset=utf-8");

  EXPECT_EQ(c->limits.max_body, 1048576u);
  EXPECT_EQ(c->limits.max_header_bytes, 16000u);
  EXPECT_EQ(c->limits.max_headers, 50u);
  EXPECT_EQ(c->limits.h2_max_frame_size, 32768u);
  EXPECT_EQ(c->timeouts.header, 5s);
  EXPECT_EQ(c->timeouts.drain, 0ms);
  EXPECT_TRUE(c->access_log.enabled);
  EXPECT_EQ(c->access_log.format, "combined");
}

TEST(ConfigLoader, DefaultsFillIn) {
  auto c = load_string("listeners: [{address: '0.0.0.0:80'}]\n"
                       "route_tables: {only: [{respond: {}}]}\n",
                       "min.yaml");
  EXPECT_EQ(c->workers, 0u);
  ASSERT_EQ(c->listeners.size(), 1u);
  EXPECT_EQ(c->listeners[0].routes, "only");  // the single table is the default
  EXPECT_EQ(c->listeners[0].protocols, (std::vector<std::string>{"h1", "h2c"}));
  EXPECT_TRUE(c->listeners[0].alt_svc);
  EXPECT_FALSE(c->admin);
  const Limits def;
  EXPECT_EQ(c->limits.max_body, def.max_body);
  EXPECT_EQ(c->limits.h2_max_frame_size, 16384u);
  EXPECT_EQ(c->timeouts.header, 10s);
  EXPECT_EQ(c->timeouts.drain, 30s);
  EXPECT_FALSE(c->access_log.enabled);
  EXPECT_EQ(c->access_log.path, "-");
  const auto& r = std::get<RespondAction>(c->route_tables.at("only")[0].action);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(c->route_tables.at("only")[0].name, "only#0");
}

TEST(ConfigLoader, TlsListenerDefaultsToH1H2) {
  auto c = load_string("listeners: [{address: '[::]:443', tls: {self_signed: true}}]\n"
                       "route_tables: {t: []}\n",
                       "t.yaml");
  EXPECT_EQ(c->listeners[0].protocols, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(c->listeners[0].tls->min_version, "1.2");
  EXPECT_EQ(c->listeners[0].tls->ticket_key_rotation, 12h);
}

TEST(ConfigLoader, StateDirFromEnvironment) {
  const char* old = std::getenv("STRATA_STATE_DIR");
  std::string saved = old ? old : "";
  ::setenv("STRATA_STATE_DIR", "/tmp/strata-env-test", 1);
  auto c = load_string("listeners: [{address: '0.0.0.0:80'}]\nroute_tables: {t: []}\n", "t.yaml");
  EXPECT_EQ(c->state_dir, "/tmp/strata-env-test");
  ::unsetenv("STRATA_STATE_DIR");
  const char* home = std::getenv("HOME");
  if (home && *home) {
    auto c2 = load_string("listeners: [{address: '0.0.0.0:80'}]\nroute_tables: {t: []}\n", "t.yaml");
    EXPECT_EQ(c2->state_dir, std::string(home) + "/.local/state/strata");
  }
  if (old) ::setenv("STRATA_STATE_DIR", saved.c_str(), 1);
}

TEST(ConfigLoader, EmbeddedDefaultLoads) {
  auto c = load_string(embedded_default_yaml(), "<embedded>");
  ASSERT_EQ(c->listeners.size(), 2u);
  EXPECT_EQ(c->listeners[0].address, "[::]:8443");
  ASSERT_TRUE(c->listeners[0].tls);
  EXPECT_TRUE(c->listeners[0].tls->self_signed);
  EXPECT_EQ(c->listeners[0].protocols, (std::vector<std::string>{"h1", "h2", "h3"}));
  EXPECT_EQ(c->listeners[1].address, "[::]:8080");
  EXPECT_FALSE(c->listeners[1].tls);
  ASSERT_TRUE(c->admin);
  EXPECT_EQ(c->admin->address, "127.0.0.1:9901");
  const auto& routes = c->route_tables.at("default");
  ASSERT_EQ(routes.size(), 2u);  // the hub at /hub first, then the welcome page
  EXPECT_EQ(routes[0].match.prefix, "/hub");
  EXPECT_TRUE(std::holds_alternative<HubAction>(routes[0].action));
  ASSERT_EQ(c->hub.namespaces.size(), 1u);
  EXPECT_TRUE(c->hub.namespaces[0].anonymous);
  EXPECT_EQ(c->hub.namespaces[0].history_size, 100u);
  EXPECT_EQ(routes[1].match.prefix, "/");
  const auto& r = std::get<RespondAction>(routes[1].action);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("strata is running"), std::string::npos);
  EXPECT_EQ(r.body.rfind("<!doctype html>", 0), 0u);
}

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("strata-config-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  void write(const std::string& name, std::string_view text) const {
    std::ofstream(path / name) << text;
  }
};

}  // namespace

TEST(ConfigLoader, LoadFileResolvesRelativePaths) {
  TempDir dir;
  dir.write("cert.pem", "not really a certificate; the loader only checks it is readable\n");
  dir.write("key.pem", "key\n");
  dir.write("strata.yaml", R"(
state_dir: state
listeners:
  - address: 127.0.0.1:0
    tls:
      certificates:
        - {cert: cert.pem, key: key.pem, server_names: [Example.COM, "*.example.com"]}
route_tables:
  t:
    - files: {root: public}
)");
  auto c = load_file((dir.path / "strata.yaml").string());
  const auto& cert = c->listeners[0].tls->certificates.at(0);
  EXPECT_EQ(cert.cert_file, (dir.path / "cert.pem").string());
  EXPECT_EQ(cert.key_file, (dir.path / "key.pem").string());
  EXPECT_EQ(cert.server_names, (std::vector<std::string>{"example.com", "*.example.com"}));
  EXPECT_EQ(c->state_dir, (dir.path / "state").string());
  EXPECT_EQ(std::get<FilesAction>(c->route_tables.at("t")[0].action).root,
            (dir.path / "public").string());
  EXPECT_EQ(c->source, (dir.path / "strata.yaml").string());
}

TEST(ConfigLoader, LoadFileErrors) {
  TempDir dir;
  try {
    load_file((dir.path / "missing.yaml").string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir.path / "missing.yaml").string() + ": cannot open the file for reading");
  }
  dir.write("bad.yaml", "listeners:\n  - address: nowhere\n");
  try {
    load_file((dir.path / "bad.yaml").string());
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir.path / "bad.yaml").string() + ":2:14: address: expected host:port");
    EXPECT_EQ(e.where().line, 2);
    EXPECT_EQ(e.where().column, 14);
  }
}

// Route JWT, HSTS and listener client certificates / OCSP file
// (config/parse_tls_auth.cpp, the tls part of parse_listeners.cpp).
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::config {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

nlohmann::json js(const Config& c) { return nlohmann::json::parse(to_json(c)); }

std::string write(const test::TempDir& d, const std::string& name, const std::string& body) {
  std::ofstream(d.file(name)) << body;
  return d.file(name);
}

// A route table with one route whose security is `sec` (flow YAML).
std::string route_sec(const std::string& sec) {
  return "route_tables:\n  t:\n    - {name: r, respond: {}, security: " + sec +
         "}\nlisteners:\n  - {address: '127.0.0.1:0', routes: t}\n";
}

std::string listener_tls(const std::string& tls, const std::string& extra = "") {
  return "route_tables: {t: []}\nlisteners:\n  - address: 127.0.0.1:0\n    tls: " + tls + "\n" + extra;
}

TEST(ConfigTlsAuth, JwtEverything) {
  test::TempDir d;
  auto secret = write(d, "s", "k\n");
  auto jwks = write(d, "jwks.json", "{}");
  auto c = load_string(route_sec("{jwt: {hs256_secret_file: " + secret + ", jwks_file: " + jwks +
                                 ", audience: api, issuer: me, leeway: 30s, cookie: tok,"
                                 " header: X-Token, claims_to_headers: {sub: X-User, tenant: x-tenant}}}"),
                       "t.yaml");
  const auto& j = *c->route_tables.at("t")[0].security.jwt;
  EXPECT_EQ(j.hs256_secret_file, secret);
  EXPECT_EQ(j.jwks_file, jwks);
  EXPECT_EQ(j.audience, "api");
  EXPECT_EQ(j.issuer, "me");
  EXPECT_EQ(j.leeway, 30s);
  EXPECT_EQ(j.cookie, "tok");
  EXPECT_EQ(j.header, "x-token");
  ASSERT_EQ(j.claims_to_headers.size(), 2u);
  EXPECT_EQ(j.claims_to_headers[0], (std::pair<std::string, std::string>{"sub", "x-user"}));
  EXPECT_EQ(j.claims_to_headers[1], (std::pair<std::string, std::string>{"tenant", "x-tenant"}));
  // /config shows the file names, and feeds back to the same config.
  auto jj = js(*c)["route_tables"]["t"][0]["security"]["jwt"];
  EXPECT_EQ(jj["hs256_secret_file"], secret);
  EXPECT_EQ(jj["claims_to_headers"]["tenant"], "x-tenant");
}

TEST(ConfigTlsAuth, JwtErrors) {
  EXPECT_EQ(error_of(route_sec("{jwt: {audience: a}}")),
            "t.yaml:3:46: jwt: give at least one key (hs256_secret_file, rs256_public_key_file, "
            "es256_public_key_file, jwks_file)");
  EXPECT_EQ(error_of(route_sec("{jwt: {jwks_file: /nonexistent/j}}")),
            "t.yaml:3:58: jwks_file: '/nonexistent/j' does not exist or is not a regular file");
  test::TempDir d;
  auto s = write(d, "s", "k");
  EXPECT_NE(error_of(route_sec("{jwt: {hs256_secret_file: " + s + ", leeway: 2h}}"))
                .find("leeway: must be at most 1h"),
            std::string::npos);
  EXPECT_NE(error_of(route_sec("{jwt: {hs256_secret_file: " + s + ", cookie: 'a b'}}"))
                .find("cookie: 'a b' is not a cookie name"),
            std::string::npos);
  EXPECT_NE(error_of(route_sec("{jwt: {hs256_secret_file: " + s +
                               ", claims_to_headers: {sub: x-a, email: x-a}}}"))
                .find("claims_to_headers: header 'x-a' is already used by claim 'sub'"),
            std::string::npos);
  EXPECT_NE(error_of(route_sec("{jwt: {hs256_secret_file: " + s + ", typo: 1}}")).find("typo"),
            std::string::npos);
}

TEST(ConfigTlsAuth, Hsts) {
  auto c = load_string(route_sec("{hsts: true}"), "t.yaml");
  ASSERT_TRUE(c->route_tables.at("t")[0].security.hsts);
  EXPECT_EQ(*c->route_tables.at("t")[0].security.hsts, Hsts{});
  c = load_string(route_sec("{hsts: {max_age: 24h, include_subdomains: true}}"), "t.yaml");
  EXPECT_EQ(c->route_tables.at("t")[0].security.hsts->max_age, 86400s);
  EXPECT_TRUE(c->route_tables.at("t")[0].security.hsts->include_subdomains);
  EXPECT_EQ(js(*c)["route_tables"]["t"][0]["security"]["hsts"]["max_age"], "24h");
  EXPECT_EQ(error_of(route_sec("{hsts: false}")),
            "t.yaml:3:47: hsts: use 'true' or a mapping; leave it out for none");
  EXPECT_EQ(error_of(route_sec("{hsts: {preload: true}}")),
            "t.yaml:3:57: preload: needs include_subdomains: true and max_age of at least 1 year "
            "(hstspreload.org)");
  EXPECT_NE(error_of(route_sec("{hsts: {max_age: 20000h}}")).find("max_age: must be at most 2 years"),
            std::string::npos);
}

TEST(ConfigTlsAuth, ClientCertificates) {
  test::TempDir d;
  auto ca = write(d, "ca.pem", "x");
  auto c = load_string(listener_tls("{self_signed: true, client_certificates: {mode: required, ca_file: " +
                                    ca + ", verify_depth: 2, subject_header: X-Subj, san_header: ''}}"),
                       "t.yaml");
  const auto& cc = c->listeners[0].tls->client_certificates;
  EXPECT_EQ(cc.mode, "required");
  EXPECT_EQ(cc.ca_file, ca);
  EXPECT_EQ(cc.verify_depth, 2u);
  EXPECT_EQ(cc.subject_header, "x-subj");
  EXPECT_EQ(cc.san_header, "");
  EXPECT_EQ(js(*c)["listeners"][0]["tls"]["client_certificates"]["mode"], "required");
  // Off by default; not in /config then.
  auto off = load_string(listener_tls("{self_signed: true}"), "t.yaml");
  EXPECT_EQ(off->listeners[0].tls->client_certificates, ClientCertificates{});
  EXPECT_FALSE(js(*off)["listeners"][0]["tls"].contains("client_certificates"));
}

TEST(ConfigTlsAuth, ClientCertificateErrors) {
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, client_certificates: {mode: maybe}}")),
            "t.yaml:4:58: mode: unknown value 'maybe' (expected one of: off, optional, required)");
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, client_certificates: {mode: optional}}")),
            "t.yaml:4:51: client_certificates: mode optional needs ca_file");
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, client_certificates: {mode: required, "
                                  "ca_file: /nonexistent/ca.pem}}")),
            "t.yaml:4:77: ca_file: '/nonexistent/ca.pem' does not exist or is not a regular file");
  test::TempDir d;
  auto ca = write(d, "ca.pem", "x");
  EXPECT_NE(error_of(listener_tls("{self_signed: true, client_certificates: {mode: required, ca_file: " +
                                  ca + ", verify_depth: 0}}"))
                .find("verify_depth"),
            std::string::npos);
  // HTTP/3 (GnuTLS) does not ask for client certificates: refused.
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, client_certificates: {mode: required, ca_file: " +
                                      ca + "}}",
                                  "    protocols: [h1, h2, h3]\n")),
            "t.yaml:5:16: protocols: 'h3' cannot be combined with tls.client_certificates (HTTP/3 "
            "does not ask for client certificates); serve h3 on another listener");
}

TEST(ConfigTlsAuth, OcspFile) {
  test::TempDir d;
  auto der = write(d, "ocsp.der", "x");
  auto c = load_string(listener_tls("{self_signed: true, ocsp_file: " + der + "}"), "t.yaml");
  EXPECT_EQ(c->listeners[0].tls->ocsp_file, der);
  EXPECT_EQ(js(*c)["listeners"][0]["tls"]["ocsp_file"], der);
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, ocsp_file: /nonexistent/o.der}")),
            "t.yaml:4:41: ocsp_file: '/nonexistent/o.der' does not exist or is not a regular file");
}

}  // namespace
}  // namespace strata::config

// admin.auth and the non-loopback rule (config/loader.cpp parse_admin) and
// its /config form (config/json.cpp): the token is never shown.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"
#include "config/redact.hpp"

namespace strata::config {
namespace {

constexpr const char* kToken = "s3cret-admin-token-0123456789";

std::string with(const std::string& admin) {
  return "route_tables:\n  t:\n    - {respond: {}}\n"
         "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n" +
         admin;
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string p = ::testing::TempDir() + name;
  std::ofstream(p) << content;
  return p;
}

TEST(ConfigAdminAuth, LoopbackWithoutAuthIsAsBefore) {
  for (const char* a : {"127.0.0.1:0", "127.3.4.5:9901", "\"[::1]:0\""}) {
    auto c = load_string(with(std::string("admin:\n  address: ") + a + "\n"), "t.yaml");
    ASSERT_TRUE(c->admin);
    EXPECT_EQ(c->admin->auth, AdminAuth{});
  }
  auto c = load_string(with("admin: {}\n"), "t.yaml");  // default 127.0.0.1:9901
  EXPECT_EQ(c->admin->address, "127.0.0.1:9901");
}

TEST(ConfigAdminAuth, NonLoopbackWithoutAuthIsAnErrorAtTheAddress) {
  EXPECT_EQ(error_of(with("admin:\n  address: 0.0.0.0:9901\n")),
            "t.yaml:7:12: admin address 0.0.0.0:9901 is not a loopback address: set admin.auth "
            "(token, token_file, or client_ca_file with cert_file and key_file)");
  EXPECT_NE(error_of(with("admin:\n  address: \"[::]:9901\"\n")).find("t.yaml:7:12: admin address [::]:9901 is not a loopback"),
            std::string::npos);
  EXPECT_NE(error_of(with("admin: {address: 10.1.2.3:0}\n")).find("t.yaml:6:18: admin address 10.1.2.3:0 is not a loopback"),
            std::string::npos);
  // IPv4-mapped loopback counts as loopback; mapped others do not.
  EXPECT_EQ(error_of(with("admin: {address: \"[::ffff:127.0.0.1]:0\"}\n")), "");
  EXPECT_NE(error_of(with("admin: {address: \"[::ffff:10.0.0.1]:0\"}\n")).find("not a loopback"), std::string::npos);
}

TEST(ConfigAdminAuth, TokenOnAnyAddress) {
  auto c = load_string(with(std::string("admin:\n  address: 0.0.0.0:0\n  auth: {token: ") + kToken + "}\n"),
                       "t.yaml");
  EXPECT_EQ(c->admin->address, "0.0.0.0:0");
  EXPECT_EQ(c->admin->auth.token, kToken);
  c = load_string(with(std::string("admin:\n  auth: {token: ") + kToken + "}\n"), "t.yaml");
  EXPECT_EQ(c->admin->auth.token, kToken);  // loopback with a token: kept (and enforced)
}

TEST(ConfigAdminAuth, TokenFileResolvedAndChecked) {
  const auto p = temp_file("strata-admin-token", std::string(kToken) + "\n");
  auto c = load_string(with("admin:\n  address: 0.0.0.0:0\n  auth: {token_file: " + p + "}\n"), "t.yaml");
  EXPECT_EQ(c->admin->auth.token_file, p);
  EXPECT_TRUE(c->admin->auth.token.empty());
  EXPECT_EQ(error_of(with("admin:\n  auth: {token_file: /nonexistent/tok}\n")),
            "t.yaml:7:22: token_file: cannot read '/nonexistent/tok'");
  EXPECT_EQ(error_of(with(std::string("admin:\n  auth: {token: ") + kToken + ", token_file: " + p + "}\n")),
            "t.yaml:7:60: token_file: give token or token_file, not both");
}

TEST(ConfigAdminAuth, TokenErrorsNeverQuoteTheToken) {
  const std::string e1 = error_of(with("admin:\n  auth: {token: short-secret}\n"));
  EXPECT_EQ(e1, "t.yaml:7:17: token: must be at least 16 characters");
  const std::string e2 = error_of(with("admin:\n  auth: {token: \"spaced secret value 123\"}\n"));
  EXPECT_NE(e2.find("t.yaml:7:17: token: only visible ASCII"), std::string::npos);
  EXPECT_EQ(e2.find("spaced"), std::string::npos);
  EXPECT_EQ(error_of(with("admin:\n  auth: {token: \"<redacted>\"}\n")),
            "t.yaml:7:17: token: this is the placeholder /config shows; give the real token (or token_file)");
}

TEST(ConfigAdminAuth, ClientCertificateNeedsAllThreeFiles) {
  const auto ca = temp_file("strata-admin-ca.pem", "x"), crt = temp_file("strata-admin-crt.pem", "x"),
             key = temp_file("strata-admin-key.pem", "x");
  auto c = load_string(with("admin:\n  address: 0.0.0.0:0\n  auth: {client_ca_file: " + ca + ", cert_file: " + crt +
                            ", key_file: " + key + "}\n"),
                       "t.yaml");
  EXPECT_EQ(c->admin->auth.client_ca_file, ca);
  EXPECT_EQ(c->admin->auth.cert_file, crt);
  EXPECT_EQ(c->admin->auth.key_file, key);
  EXPECT_EQ(error_of(with("admin:\n  auth: {client_ca_file: " + ca + "}\n")),
            "t.yaml:7:26: admin.auth: client certificates need client_ca_file, cert_file and key_file together");
  EXPECT_EQ(error_of(with("admin:\n  auth: {client_ca_file: " + ca + ", cert_file: " + crt + "}\n")),
            "t.yaml:7:26: admin.auth: client certificates need client_ca_file, cert_file and key_file together");
  // cert_file + key_file alone: TLS, but not auth by itself.
  EXPECT_EQ(error_of(with("admin:\n  auth: {cert_file: " + crt + ", key_file: " + key + "}\n")),
            "t.yaml:7:9: admin.auth: give token, token_file, or client_ca_file with cert_file and key_file");
  EXPECT_EQ(error_of(with("admin:\n  auth: {cert_file: " + crt + "}\n")),
            "t.yaml:7:21: admin.auth: TLS needs cert_file and key_file together");
}

TEST(ConfigAdminAuth, TokenOverTls) {
  const auto crt = temp_file("strata-admin-crt.pem", "x"), key = temp_file("strata-admin-key.pem", "x");
  auto c = load_string(with(std::string("admin:\n  address: 0.0.0.0:0\n  auth: {token: ") + kToken +
                            ", cert_file: " + crt + ", key_file: " + key + "}\n"),
                       "t.yaml");
  EXPECT_EQ(c->admin->auth.cert_file, crt);
  EXPECT_TRUE(c->admin->auth.client_ca_file.empty());
  auto j = nlohmann::json::parse(to_json(*c))["admin"]["auth"];
  EXPECT_EQ(j, nlohmann::json({{"token", kRedacted}, {"cert_file", crt}, {"key_file", key}}));
}

TEST(ConfigAdminAuth, EmptyOrUnknownAuth) {
  EXPECT_EQ(error_of(with("admin:\n  auth: {}\n")),
            "t.yaml:7:9: admin.auth: give token, token_file, or client_ca_file with cert_file and key_file");
  EXPECT_NE(error_of(with("admin:\n  auth: {password: x}\n")).find("t.yaml:7:10: unknown key 'password'"),
            std::string::npos);
}

TEST(ConfigAdminAuth, ConfigJsonRedactsTheTokenAndShowsPaths) {
  const auto p = temp_file("strata-admin-token2", "abc\n");
  auto c = load_string(with(std::string("admin:\n  address: 0.0.0.0:0\n  auth: {token: ") + kToken + "}\n"),
                       "t.yaml");
  const std::string out = to_json(*c);
  EXPECT_EQ(out.find(kToken), std::string::npos);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["admin"]["auth"]["token"], kRedacted);
  EXPECT_EQ(j["admin"]["address"], "0.0.0.0:0");
  c = load_string(with("admin:\n  address: 0.0.0.0:0\n  auth: {token_file: " + p + "}\n"), "t.yaml");
  j = nlohmann::json::parse(to_json(*c));
  EXPECT_EQ(j["admin"]["auth"]["token_file"], p);
  // No auth: the admin object is as before (address only).
  c = load_string(with("admin: {address: 127.0.0.1:0}\n"), "t.yaml");
  EXPECT_EQ(nlohmann::json::parse(to_json(*c))["admin"], nlohmann::json({{"address", "127.0.0.1:0"}}));
}

TEST(ConfigAdminAuth, ConfigJsonRedactsCredentialHeaders) {
  auto c = load_string(
      "clusters: {b: {endpoints: [\"127.0.0.1:1\"]}}\n"
      "route_tables:\n  t:\n"
      "    - match: {headers: [{name: x-api-key, exact: key-in-match-111}, {name: accept, exact: text/plain}]}\n"
      "      proxy: {cluster: b}\n"
      "      request_headers: {add: {authorization: \"Bearer upstream-secret-222\", x-upstream-token: tok-333,"
      " x-note: visible}}\n"
      "listeners:\n  - {name: web, address: 127.0.0.1:0, routes: t}\n",
      "t.yaml");
  const std::string out = to_json(*c);
  for (const char* s : {"key-in-match-111", "upstream-secret-222", "tok-333"})
    EXPECT_EQ(out.find(s), std::string::npos) << s;
  auto r = nlohmann::json::parse(out)["route_tables"]["t"][0];
  EXPECT_EQ(r["match"]["headers"][0]["exact"], kRedacted);
  EXPECT_EQ(r["match"]["headers"][1]["exact"], "text/plain");
  EXPECT_EQ(r["request_headers"]["add"]["authorization"], kRedacted);
  EXPECT_EQ(r["request_headers"]["add"]["x-note"], "visible");
}

TEST(ConfigAdminAuth, SecretHeaderNames) {
  for (const char* n : {"authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token", "apikey",
                        "x-client-secret", "x-db-password"})
    EXPECT_TRUE(secret_header(n)) << n;
  for (const char* n : {"accept", "x-forwarded-for", "content-type", "x-request-id"})
    EXPECT_FALSE(secret_header(n)) << n;
}

}  // namespace
}  // namespace strata::config

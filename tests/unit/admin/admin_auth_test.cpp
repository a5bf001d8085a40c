// Admin authentication (admin/admin_auth.hpp) and its enforcement in the
// admin handler: with a token every request needs it, reads and writes.
#include "admin/admin_auth.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <fstream>

#include "admin/admin_handler.hpp"
#include "config/loader.hpp"
#include "obs/metrics.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::admin {
namespace {

constexpr std::string_view kToken = "admin-token-0123456789abcdef";

TEST(AdminBearer, Outcomes) {
  EXPECT_EQ(check_bearer("", false, ""), AuthResult::ok);  // no token configured
  EXPECT_EQ(check_bearer("", false, kToken), AuthResult::missing);
  EXPECT_EQ(check_bearer("Bearer admin-token-0123456789abcdef", true, kToken), AuthResult::ok);
  EXPECT_EQ(check_bearer("bearer   admin-token-0123456789abcdef  ", true, kToken), AuthResult::ok);
  EXPECT_EQ(check_bearer("BEARER admin-token-0123456789abcdef", true, kToken), AuthResult::ok);
  EXPECT_EQ(check_bearer("Bearer admin-token-0123456789abcdeF", true, kToken), AuthResult::wrong);
  EXPECT_EQ(check_bearer("Bearer admin-token-0123456789abcde", true, kToken), AuthResult::wrong);
  EXPECT_EQ(check_bearer("Bearer admin-token-0123456789abcdefX", true, kToken), AuthResult::wrong);
  EXPECT_EQ(check_bearer("Basic admin-token-0123456789abcdef", true, kToken), AuthResult::wrong);
  EXPECT_EQ(check_bearer("admin-token-0123456789abcdef", true, kToken), AuthResult::wrong);
  EXPECT_EQ(check_bearer("Bearer", true, kToken), AuthResult::wrong);
  EXPECT_EQ(check_bearer("", true, kToken), AuthResult::wrong);  // present but empty
}

TEST(AdminBearer, ReadToken) {
  config::AdminAuth a;
  EXPECT_EQ(read_admin_token(a), "");
  a.token = std::string(kToken);
  EXPECT_EQ(read_admin_token(a), kToken);
  a = {};
  a.token_file = ::testing::TempDir() + "strata-admin-tok";
  std::ofstream(a.token_file) << kToken << "\r\n second line ignored\n";
  EXPECT_EQ(read_admin_token(a), kToken);
  std::ofstream(a.token_file) << "\n";
  try {
    read_admin_token(a);
    ADD_FAILURE() << "no throw";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("holds no token"), std::string::npos);
  }
  a.token_file = "/nonexistent/strata-tok";
  EXPECT_THROW(read_admin_token(a), std::runtime_error);
}

class AdminHandlerAuthTest : public ::testing::Test {
 protected:
  std::unique_ptr<test::FakeExchange> call(std::string method, std::string target,
                                           std::optional<std::string> authorization) {
    auto ex = std::make_unique<test::FakeExchange>(io);
    ex->req.method = std::move(method);
    ex->req.target = std::move(target);
    if (authorization) ex->req.headers.add("authorization", *authorization);
    test::run_handler(io, *handler, *ex);
    return ex;
  }
  std::uint64_t failures(const char* reason) {
    return obs::counter("strata_admin_auth_failures_total", "", {{"reason", reason}}).value();
  }
  void with_token(std::shared_ptr<const config::Config> cfg) {
    handler = make_admin_handler(std::move(cfg), [] { return false; });
  }
  boost::asio::io_context io;
  std::shared_ptr<http::Handler> handler;
};

std::shared_ptr<const config::Config> config_with(const std::string& admin) {
  return config::load_string("route_tables: {t: [{respond: {}}]}\n"
                             "listeners: [{name: web, address: 127.0.0.1:0, routes: t}]\n" + admin,
                             "t.yaml");
}

TEST_F(AdminHandlerAuthTest, TokenRequiredForEveryRequest) {
  with_token(config_with("admin: {address: 127.0.0.1:0, auth: {token: " + std::string(kToken) + "}}\n"));
  const auto missing0 = failures("missing"), wrong0 = failures("wrong");
  for (const char* path : {"/", "/config", "/metrics", "/healthz", "/nope"}) {
    auto ex = call("GET", path, std::nullopt);
    EXPECT_EQ(ex->status(), 401) << path;
    EXPECT_EQ(ex->header("www-authenticate"), "Bearer realm=\"strata admin\"") << path;
    EXPECT_EQ(ex->body.find(kToken), std::string::npos);
  }
  auto ex = call("GET", "/config", "Bearer wrong-token-0123456789abcdef");
  EXPECT_EQ(ex->status(), 401);
  EXPECT_EQ(ex->header("www-authenticate"), "Bearer realm=\"strata admin\", error=\"invalid_token\"");
  // Writes: refused before the method is even looked at.
  EXPECT_EQ(call("POST", "/", std::nullopt)->status(), 401);
  EXPECT_EQ(call("DELETE", "/security/penalties", "Bearer nope")->status(), 401);
  EXPECT_EQ(failures("missing") - missing0, 6u);
  EXPECT_EQ(failures("wrong") - wrong0, 2u);
  // The right token: as without auth.
  ex = call("GET", "/config", "Bearer " + std::string(kToken));
  EXPECT_EQ(ex->status(), 200);
  EXPECT_EQ(ex->body.find(kToken), std::string::npos);  // /config itself redacts it
  EXPECT_NE(ex->body.find("<redacted>"), std::string::npos);
  EXPECT_EQ(call("GET", "/healthz", "Bearer " + std::string(kToken))->status(), 200);
  EXPECT_EQ(call("POST", "/", "Bearer " + std::string(kToken))->status(), 405);
}

TEST_F(AdminHandlerAuthTest, TokenFromFile) {
  const std::string p = ::testing::TempDir() + "strata-admin-tok2";
  std::ofstream(p) << kToken << "\n";
  with_token(config_with("admin: {address: 0.0.0.0:0, auth: {token_file: " + p + "}}\n"));
  EXPECT_EQ(call("GET", "/healthz", std::nullopt)->status(), 401);
  EXPECT_EQ(call("GET", "/healthz", "Bearer " + std::string(kToken))->status(), 200);
}

TEST_F(AdminHandlerAuthTest, NoAuthOnLoopbackIsOpenAsBefore) {
  with_token(config_with("admin: {address: 127.0.0.1:0}\n"));
  EXPECT_EQ(call("GET", "/healthz", std::nullopt)->status(), 200);
  EXPECT_EQ(call("GET", "/healthz", "Bearer anything")->status(), 200);
}

}  // namespace
}  // namespace strata::admin

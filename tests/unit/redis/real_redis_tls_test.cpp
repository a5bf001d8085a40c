// TLS to a real redis-server (--tls-port) with a certificate made by the
// test (openssl): verified with a CA file and server name, rejected for a
// wrong name, accepted without verification; pub/sub over TLS.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "redis/client.hpp"
#include "redis/connection.hpp"
#include "redis/subscriber.hpp"
#include "redis_test_util.hpp"

namespace strata::redis {
namespace {

using namespace std::chrono_literals;
using test::run_until;

struct Tls : testing::Test {
  void SetUp() override {
    if (!test::have_redis_server()) GTEST_SKIP() << "redis-server is not installed";
    const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + dir.file("key.pem") + " -out " +
                            dir.file("cert.pem") +
                            " -days 2 -subj /CN=redis.test -addext subjectAltName=DNS:redis.test >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl cannot make a certificate";
    srv.emplace(std::vector<std::string>{"--tls-cert-file", dir.file("cert.pem"), "--tls-key-file",
                                         dir.file("key.pem"), "--tls-ca-cert-file", dir.file("cert.pem"),
                                         "--tls-auth-clients", "no"},
                true);
    ASSERT_TRUE(srv->start());
  }
  config::RedisConfig cfg(std::string server_name, bool verify) {
    auto c = test::local_cfg(srv->address());
    c.tls = true;
    c.tls_ca_file = dir.file("cert.pem");
    c.tls_server_name = std::move(server_name);
    c.tls_verify = verify;
    return c;
  }
  Endpoint ep() const { return Endpoint{"127.0.0.1", srv->port()}; }
  Result run(Connection& c, std::vector<std::string> args) {
    std::optional<Result> out;
    c.command(std::move(args), [&](Result r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }));
    return out ? std::move(*out) : Result{Errc::closed, {}};
  }
  strata::test::TempDir dir;
  std::optional<test::RedisServer> srv;
  boost::asio::io_context io;
};

TEST_F(Tls, VerifiedWithCaFileAndServerName) {
  Connection c(io.get_executor(), ep(), cfg("redis.test", true), "tls");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  EXPECT_TRUE(run(c, {"SET", "k", "over tls"}).ok());
  EXPECT_EQ(run(c, {"GET", "k"}).reply.str, "over tls");
}

TEST_F(Tls, WrongServerNameIsRejected) {
  Connection c(io.get_executor(), ep(), cfg("other.test", true), "tls");
  test::run_for(io, 400ms);
  EXPECT_FALSE(c.up());
}

TEST_F(Tls, WithoutVerification) {
  auto k = cfg("", false);
  k.tls_ca_file.clear();
  Connection c(io.get_executor(), ep(), k, "tls");
  ASSERT_TRUE(run_until(io, [&] { return c.up(); }));
  EXPECT_EQ(run(c, {"PING"}).reply.str, "PONG");
}

TEST_F(Tls, PubSubOverTls) {
  auto k = cfg("redis.test", true);
  test::Recorder rec;
  auto client = make_standalone_client(k, io.get_executor(), "tls");
  client->set_handler(&rec);
  client->subscribe("r", "news");
  Connection pub(io.get_executor(), ep(), k, "pub");
  ASSERT_TRUE(run_until(io, [&] { return rec.subscribed.size() == 1 && pub.up(); }));
  EXPECT_EQ(run(pub, {"PUBLISH", "news", "x"}).reply.integer, 1);
  ASSERT_TRUE(run_until(io, [&] { return rec.messages.size() == 1; }));
  EXPECT_EQ(rec.messages[0].second, "x");
  client->unsubscribe("r", "news");
  ASSERT_TRUE(run_until(io, [&] { return run(pub, {"PUBLISH", "news", "y"}).reply.integer == 0; }));
}

}  // namespace
}  // namespace strata::redis

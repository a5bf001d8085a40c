#include "io/tls_handshake.hpp"

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "io/self_signed.hpp"
#include "io/tls_context.hpp"
#include "obs/metrics.hpp"
#include "unit/io/tls_harness.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::io {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using namespace std::chrono_literals;

obs::Counter& server_count(const char* outcome) {
  return obs::counter("strata_tls_handshakes_total", "Downstream TLS handshakes by outcome",
                      {{"outcome", outcome}});
}
obs::Counter& client_count(const char* outcome) {
  return obs::counter("strata_upstream_tls_handshakes_total",
                      "Upstream TLS handshakes by outcome", {{"outcome", outcome}});
}

std::shared_ptr<ssl::context> server_ctx(const std::string& dir) {
  config::Tls t;
  t.self_signed = true;
  return make_server_tls_context(t, {"h2", "http/1.1"}, dir);
}

TEST(TlsHandshake, ServerTimesOutSilentClient) {
  test::TempDir tmp;
  auto srv = server_ctx(tmp.path());
  asio::io_context io;
  auto [s, c] = test::loopback_pair(io);
  auto before = server_count("timeout").value();
  bool done = false, got = true;
  asio::co_spawn(
      io,
      [&, s = std::move(s)]() mutable -> asio::awaitable<void> {
        auto t = co_await accept_tls(std::move(s), *srv, 50ms);
        got = t != nullptr;
        done = true;
      },
      asio::detached);
  io.run_for(5s);  // returns once accept_tls gave up (the client never speaks)
  EXPECT_TRUE(done);
  EXPECT_FALSE(got);
  EXPECT_EQ(server_count("timeout").value(), before + 1);
  // The server closed its end: the client sees EOF.
  char b;
  boost::system::error_code ec;
  c.read_some(asio::buffer(&b, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(TlsHandshake, ServerCountsGarbageAsError) {
  test::TempDir tmp;
  auto srv = server_ctx(tmp.path());
  asio::io_context io;
  auto [s, c] = test::loopback_pair(io);
  auto before = server_count("error").value();
  asio::write(c, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  bool got = true;
  asio::co_spawn(
      io,
      [&, s = std::move(s)]() mutable -> asio::awaitable<void> {
        got = (co_await accept_tls(std::move(s), *srv, 5s)) != nullptr;
      },
      asio::detached);
  io.run_for(5s);
  EXPECT_FALSE(got);
  EXPECT_EQ(server_count("error").value(), before + 1);
}

// connect_tls against accept_tls; returns the client's transport (or null).
struct ClientRun {
  // Declared first so it is destroyed last: the transport's timers and
  // socket belong to it.
  std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>();
  std::unique_ptr<Transport> client;
  boost::system::error_code ec;
  bool server_ok = false;

  ClientRun() = default;
  ClientRun(ClientRun&&) = default;
  ClientRun& operator=(ClientRun&& o) noexcept {
    client.reset();  // before the io_context it belongs to goes
    io = std::move(o.io);
    client = std::move(o.client);
    ec = o.ec;
    server_ok = o.server_ok;
    return *this;
  }
};

ClientRun connect(ssl::context& srv, ssl::context& cli, const std::string& sni, bool verify) {
  ClientRun r;
  asio::io_context& io = *r.io;
  auto [s, c] = test::loopback_pair(io);
  asio::co_spawn(
      io,
      [&, s = std::move(s)]() mutable -> asio::awaitable<void> {
        auto t = co_await accept_tls(std::move(s), srv, 5s);
        r.server_ok = t != nullptr;
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&, c = std::move(c)]() mutable -> asio::awaitable<void> {
        r.client = co_await connect_tls(std::move(c), cli, sni, verify, 5s, &r.ec);
      },
      asio::detached);
  io.run_for(10s);
  return r;
}

TEST(TlsHandshake, ClientVerifiesChainAndHostname) {
  test::TempDir tmp;
  auto srv = server_ctx(tmp.path());
  SelfSigned ss = ensure_self_signed(tmp.path());

  // Without verification anything goes.
  auto loose = make_client_tls_context(false, {"h2"});
  auto r = connect(*srv, *loose, "localhost", false);
  ASSERT_TRUE(r.client);
  EXPECT_EQ(r.client->alpn(), "h2");
  EXPECT_TRUE(r.client->tls());

  // Verification against the system roots rejects a self-signed certificate.
  auto before = client_count("error").value();
  auto strict = make_client_tls_context(true, {"h2"});
  r = connect(*srv, *strict, "localhost", true);
  EXPECT_FALSE(r.client);
  EXPECT_TRUE(r.ec);
  EXPECT_EQ(client_count("error").value(), before + 1);

  // Trusting it explicitly: the hostname / IP must match the SAN.
  strict->load_verify_file(ss.cert_file);
  r = connect(*srv, *strict, "localhost", true);
  EXPECT_TRUE(r.client) << r.ec.message();
  r = connect(*srv, *strict, "127.0.0.1", true);
  EXPECT_TRUE(r.client) << r.ec.message();
  r = connect(*srv, *strict, "::1", true);
  EXPECT_TRUE(r.client) << r.ec.message();
  r = connect(*srv, *strict, "example.com", true);
  EXPECT_FALSE(r.client);
  r = connect(*srv, *strict, "10.0.0.1", true);
  EXPECT_FALSE(r.client);
}

TEST(TlsHandshake, ClientTimesOut) {
  asio::io_context io;
  auto [s, c] = test::loopback_pair(io);  // the server side never answers
  auto cli = make_client_tls_context(false, {});
  auto before = client_count("timeout").value();
  ClientRun r;
  asio::co_spawn(
      io,
      [&, c = std::move(c)]() mutable -> asio::awaitable<void> {
        r.client = co_await connect_tls(std::move(c), *cli, "x", false, 50ms, &r.ec);
      },
      asio::detached);
  io.run_for(5s);
  EXPECT_FALSE(r.client);
  EXPECT_EQ(r.ec, asio::error::timed_out);
  EXPECT_EQ(client_count("timeout").value(), before + 1);
}

}  // namespace
}  // namespace strata::io

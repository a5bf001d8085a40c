// ClientConn without a server: the failure paths of the QUIC client must
// end run() promptly with a readable error (no listener -> ICMP refusal; a
// silent peer -> the configured handshake timeout), and the TLS helpers.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <gnutls/gnutls.h>

#include <gtest/gtest.h>

#include "tools/quic_client/client_conn.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace asio = boost::asio;
using namespace strata::tools::quic_client;

namespace {

struct NullListener : ResponseListener {
  int writable = 0, heads = 0, closes = 0;
  bool handshake = false;
  void on_handshake(const HandshakeInfo&) override { handshake = true; }
  void on_response_head(std::int64_t, int) override { ++heads; }
  void on_data(std::int64_t, std::size_t) override {}
  void on_close(std::int64_t, std::uint64_t) override { ++closes; }
  void on_writable() override { ++writable; }
};

// Runs one connection attempt to `remote` and returns the elapsed time.
std::chrono::milliseconds run_once(ClientConn& c, asio::io_context& io,
                                   const asio::ip::udp::endpoint& remote) {
  const auto t0 = std::chrono::steady_clock::now();
  bool finished = false;
  asio::co_spawn(io, c.run(remote), [&](std::exception_ptr e) {
    finished = true;
    EXPECT_FALSE(e);
  });
  io.run_for(std::chrono::seconds(10));  // bound: far above the expected times
  EXPECT_TRUE(finished);
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0);
}

}  // namespace

TEST(QuicClientTls, NormalizesGnutlsVersionNames) {
  EXPECT_EQ(normalize_tls_version("TLS1.3"), "TLSv1.3");
  EXPECT_EQ(normalize_tls_version("TLS1.2"), "TLSv1.2");
  EXPECT_EQ(normalize_tls_version("TLSv1.3"), "TLSv1.3");
  EXPECT_EQ(normalize_tls_version("DTLS1.2"), "DTLS1.2");
  EXPECT_EQ(normalize_tls_version(""), "");
}

TEST(QuicClientTls, FreshContextHasNoTicketAndDoesNotResume) {
  ClientTls tls(false);
  EXPECT_FALSE(tls.has_ticket());
  EXPECT_FALSE(tls.params().has_value());
  bool resuming = true;
  std::string err;
  int ref = 0;
  gnutls_session_int* s = tls.new_session("localhost", &ref, resuming, err);
  ASSERT_NE(s, nullptr) << err;
  EXPECT_FALSE(resuming);
  gnutls_deinit(s);
  // An IP literal is accepted too (no SNI is sent for it).
  s = tls.new_session("127.0.0.1", &ref, resuming, err);
  ASSERT_NE(s, nullptr) << err;
  gnutls_deinit(s);
  tls.store_params(RememberedParams{});
  EXPECT_TRUE(tls.params().has_value());
  tls.forget();
  EXPECT_FALSE(tls.params().has_value());
}

TEST(QuicClientConn, NoListenerFailsFastWithARefusal) {
  asio::io_context io(1);
  // A port that was just free: bind, note, close.
  asio::ip::udp::endpoint remote;
  {
    asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    remote = s.local_endpoint();
  }
  ClientTls tls(false);
  NullListener l;
  ClientOptions o;
  o.sni = "localhost";
  o.handshake_timeout = std::chrono::seconds(3);
  ClientConn c(io.get_executor(), o, tls, l);
  const auto took = run_once(c, io, remote);
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(c.failed_in_handshake());
  EXPECT_FALSE(c.handshake_done());
  EXPECT_NE(c.error().find("refused"), std::string::npos) << c.error();
  EXPECT_LT(took.count(), 2500);
  EXPECT_FALSE(l.handshake);
  EXPECT_EQ(l.writable, 0);  // no ticket: nothing may be submitted before the handshake
  EXPECT_FALSE(c.can_submit());
  EXPECT_EQ(c.submit({}, {}), -1);
}

// The streaming-body API (extended CONNECT) refuses everything before h3.
TEST(QuicClientConn, StreamingRequestsNeedAnOpenConnection) {
  asio::io_context io(1);
  ClientTls tls(false);
  NullListener l;
  ClientOptions o;
  o.sni = "localhost";
  ClientConn c(io.get_executor(), o, tls, l);
  EXPECT_EQ(c.peer_enable_connect_protocol(), -1);  // no SETTINGS yet
  const std::pair<std::string_view, std::string_view> hs[] = {{":method", "CONNECT"}};
  EXPECT_EQ(c.submit_streaming(hs), -1);
  EXPECT_FALSE(c.send_body(0, "x"));
  EXPECT_FALSE(c.send_body(0, {}, true));
}

TEST(QuicClientConn, SilentPeerHitsTheHandshakeTimeout) {
  asio::io_context io(1);
  // Bound but never answering: the Initial goes unanswered.
  asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ClientTls tls(false);
  NullListener l;
  ClientOptions o;
  o.sni = "localhost";
  o.handshake_timeout = std::chrono::milliseconds(300);
  ClientConn c(io.get_executor(), o, tls, l);
  const auto took = run_once(c, io, silent.local_endpoint());
  EXPECT_TRUE(c.failed_in_handshake());
  EXPECT_EQ(c.error(), "QUIC handshake timeout");
  EXPECT_GE(took.count(), 250);
  EXPECT_LT(took.count(), 3000);
  // The client did send its Initial (padded to >= 1200 bytes).
  EXPECT_GE(silent.available(), 1200u);
}

TEST(QuicClientConn, CloseBeforeTheHandshakeEndsRun) {
  asio::io_context io(1);
  asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  ClientTls tls(false);
  NullListener l;
  ClientOptions o;
  o.sni = "localhost";
  o.handshake_timeout = std::chrono::seconds(5);
  ClientConn c(io.get_executor(), o, tls, l);
  asio::steady_timer t(io, std::chrono::milliseconds(50));
  t.async_wait([&](boost::system::error_code) { c.close(); });
  const auto took = run_once(c, io, silent.local_endpoint());
  EXPECT_TRUE(c.closed());
  EXPECT_LT(took.count(), 2000);
  EXPECT_EQ(c.error(), "");
}

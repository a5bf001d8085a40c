#include "io/tls_context.hpp"

#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "io/self_signed.hpp"
#include "io/ticket_keys.hpp"
#include "obs/metrics.hpp"
#include "unit/io/tls_harness.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::io {
namespace {

namespace ssl = boost::asio::ssl;
using namespace std::chrono_literals;

const std::vector<std::string> kH2H1 = {"h2", "http/1.1"};

obs::Counter& resumed() {
  return obs::counter("strata_tls_resumed_total", "Downstream TLS handshakes that resumed a session");
}
obs::Counter& handshakes(const char* outcome) {
  return obs::counter("strata_tls_handshakes_total", "Downstream TLS handshakes by outcome",
                      {{"outcome", outcome}});
}

class TlsContextTest : public ::testing::Test {
 protected:
  // A certificate for `cn` with SAN DNS `san` written into the temp dir.
  config::TlsCertificate cert(const std::string& cn, std::vector<std::string> san,
                              std::vector<std::string> server_names = {}) {
    CertSpec spec;
    spec.common_name = cn;
    spec.dns_names = std::move(san);
    spec.ip_addresses = {};
    std::string base = tmp.file(cn == "*" ? "star" : cn);
    write_self_signed(spec, base + ".crt", base + ".key");
    return {base + ".crt", base + ".key", std::move(server_names)};
  }
  config::Tls one_cert() {
    config::Tls t;
    t.certificates.push_back(cert("default.test", {"default.test"}));
    return t;
  }
  std::shared_ptr<ssl::context> client(std::vector<std::string> alpn = kH2H1) {
    return make_client_tls_context(false, std::move(alpn));
  }

  test::TempDir tmp;
};

TEST_F(TlsContextTest, AlpnPrefersH2ThenFallsBack) {
  auto srv = make_server_tls_context(one_cert(), kH2H1, tmp.path());
  auto r = test::run_handshake(*srv, *client({"http/1.1", "h2"}), "default.test");
  ASSERT_TRUE(r.server_ok && r.client_ok);
  EXPECT_EQ(r.client_alpn, "h2");  // server preference wins
  EXPECT_EQ(r.server_alpn, "h2");
  EXPECT_EQ(r.server_sni, "default.test");
  EXPECT_EQ(r.greeting, "hello");

  r = test::run_handshake(*srv, *client({"http/1.1"}), "default.test");
  ASSERT_TRUE(r.server_ok && r.client_ok);
  EXPECT_EQ(r.server_alpn, "http/1.1");

  r = test::run_handshake(*srv, *client({"spdy/3", "foo"}), "default.test");
  ASSERT_TRUE(r.server_ok && r.client_ok);  // no overlap: no ALPN, still connects
  EXPECT_EQ(r.server_alpn, "");

  r = test::run_handshake(*srv, *client({}), "");
  ASSERT_TRUE(r.server_ok && r.client_ok);
  EXPECT_EQ(r.server_alpn, "");
  EXPECT_EQ(r.server_sni, "");

  auto h1_only = make_server_tls_context(one_cert(), {"http/1.1"}, tmp.path());
  r = test::run_handshake(*h1_only, *client(), "default.test");
  ASSERT_TRUE(r.server_ok);
  EXPECT_EQ(r.server_alpn, "http/1.1");
}

TEST_F(TlsContextTest, SniSelectsCertificate) {
  config::Tls t;
  t.certificates.push_back(cert("default.test", {"default.test"}));
  t.certificates.push_back(cert("alpha.test", {"alpha.test"}, {"alpha.test", "*.alias.test"}));
  t.certificates.push_back(cert("*", {"*.beta.test"}));  // names from the SAN
  t.certificates.push_back(cert("gamma.test", {}));      // name from the CN
  auto srv = make_server_tls_context(t, kH2H1, tmp.path());
  auto cli = client();
  struct Case {
    std::string sni, cn;
  } cases[] = {{"alpha.test", "alpha.test"},   {"ALPHA.Test", "alpha.test"},
               {"x.alias.test", "alpha.test"}, {"www.beta.test", "*"},
               {"gamma.test", "gamma.test"},   {"default.test", "default.test"},
               {"unknown.test", "default.test"}, {"a.b.beta.test", "default.test"},
               {"", "default.test"}};
  for (const auto& c : cases) {
    auto r = test::run_handshake(*srv, *cli, c.sni);
    ASSERT_TRUE(r.server_ok && r.client_ok) << c.sni;
    EXPECT_EQ(r.peer_cn, c.cn) << c.sni;
    EXPECT_EQ(r.client_alpn, "h2") << c.sni;  // settings hold on the swapped context
  }
}

TEST_F(TlsContextTest, Tls13OnlyRefusesTls12Client) {
  config::Tls t = one_cert();
  t.min_version = "1.3";
  auto srv = make_server_tls_context(t, kH2H1, tmp.path());
  auto cli = client();
  SSL_CTX_set_max_proto_version(cli->native_handle(), TLS1_2_VERSION);
  auto errors = handshakes("error").value();
  auto r = test::run_handshake(*srv, *cli, "default.test");
  EXPECT_FALSE(r.server_ok);
  EXPECT_FALSE(r.client_ok);
  EXPECT_EQ(handshakes("error").value(), errors + 1);

  auto ok = test::run_handshake(*srv, *client(), "default.test");
  ASSERT_TRUE(ok.client_ok);
  EXPECT_EQ(ok.client_version, TLS1_3_VERSION);
}

TEST_F(TlsContextTest, Tls12OnlyListenerAndCiphers) {
  config::Tls t = one_cert();
  t.max_version = "1.2";
  t.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  t.groups = "P-256";
  auto srv = make_server_tls_context(t, kH2H1, tmp.path());
  auto r = test::run_handshake(*srv, *client(), "default.test");
  ASSERT_TRUE(r.server_ok && r.client_ok);
  EXPECT_EQ(r.client_version, TLS1_2_VERSION);
  EXPECT_EQ(r.client_alpn, "h2");
}

TEST_F(TlsContextTest, TicketResumesAcrossConnectionsAndContexts) {
  for (const char* version : {"1.3", "1.2"}) {
    SCOPED_TRACE(version);
    config::Tls t = one_cert();
    t.max_version = version;
    auto ring = std::make_shared<TicketKeyRing>(1h);
    auto a = make_server_tls_context(t, kH2H1, tmp.path(), ring);
    auto b = make_server_tls_context(t, kH2H1, tmp.path(), ring);
    auto cli = client();
    auto first = test::run_handshake(*a, *cli, "default.test");
    ASSERT_TRUE(first.client_ok && first.session);
    EXPECT_FALSE(first.client_reused);

    auto before = resumed().value();
    auto again = test::run_handshake(*a, *cli, "default.test", first.session.get());
    ASSERT_TRUE(again.client_ok);
    EXPECT_TRUE(again.client_reused);
    EXPECT_EQ(again.client_alpn, "h2");
    EXPECT_EQ(resumed().value(), before + 1);

    // Another context (another worker / after a reload) on the same ring.
    auto other = test::run_handshake(*b, *cli, "default.test", first.session.get());
    ASSERT_TRUE(other.client_ok);
    EXPECT_TRUE(other.client_reused);

    // A context with other ticket keys cannot decrypt it: full handshake.
    auto c = make_server_tls_context(t, kH2H1, tmp.path(), std::make_shared<TicketKeyRing>(1h));
    auto fresh = test::run_handshake(*c, *cli, "default.test", first.session.get());
    ASSERT_TRUE(fresh.client_ok);
    EXPECT_FALSE(fresh.client_reused);
  }
}

TEST_F(TlsContextTest, TicketsFollowKeyRotation) {
  core::FakeClock clock;
  auto ring = std::make_shared<TicketKeyRing>(1h, clock);
  auto srv = make_server_tls_context(one_cert(), kH2H1, tmp.path(), ring);
  auto cli = client();
  auto first = test::run_handshake(*srv, *cli, "default.test");
  ASSERT_TRUE(first.session);

  clock.advance(1h + 1min);  // rotated once: the old key still decrypts
  auto r = test::run_handshake(*srv, *cli, "default.test", first.session.get());
  EXPECT_TRUE(r.client_reused);

  clock.advance(2h);  // the first key retired more than two rotations ago
  r = test::run_handshake(*srv, *cli, "default.test", first.session.get());
  ASSERT_TRUE(r.client_ok);
  EXPECT_FALSE(r.client_reused);
}

TEST_F(TlsContextTest, TicketsOffMeansNoResumption) {
  config::Tls t = one_cert();
  t.session_tickets = false;
  auto srv = make_server_tls_context(t, kH2H1, tmp.path());
  auto cli = client();
  auto first = test::run_handshake(*srv, *cli, "default.test");
  ASSERT_TRUE(first.client_ok);
  if (first.session) {
    auto r = test::run_handshake(*srv, *cli, "default.test", first.session.get());
    ASSERT_TRUE(r.client_ok);
    EXPECT_FALSE(r.client_reused);
  }
}

TEST_F(TlsContextTest, SelfSignedWhenNoCertificates) {
  config::Tls t;
  t.self_signed = true;
  auto srv = make_server_tls_context(t, kH2H1, tmp.file("state"));
  auto r = test::run_handshake(*srv, *client(), "localhost");
  ASSERT_TRUE(r.client_ok);
  EXPECT_EQ(r.peer_cn, "localhost");
  EXPECT_FALSE(ensure_self_signed(tmp.file("state")).generated);  // reused

  config::Tls none;
  EXPECT_THROW(make_server_tls_context(none, kH2H1, tmp.path()), std::runtime_error);
}

std::string error_of(const config::Tls& t, const std::string& state_dir) {
  try {
    make_server_tls_context(t, kH2H1, state_dir);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST_F(TlsContextTest, ClearErrors) {
  config::Tls t = one_cert();
  config::Tls missing = t;
  missing.certificates[0].cert_file = tmp.file("missing.crt");
  EXPECT_NE(error_of(missing, tmp.path()).find("missing.crt"), std::string::npos);

  config::Tls mismatch = t;
  auto other = cert("other.test", {"other.test"});
  mismatch.certificates[0].key_file = other.key_file;
  std::string e = error_of(mismatch, tmp.path());
  EXPECT_NE(e.find("does not match"), std::string::npos) << e;
  EXPECT_NE(e.find(other.key_file), std::string::npos) << e;

  config::Tls garbage_key = t;
  { std::ofstream(tmp.file("bad.key")) << "not a key"; }
  garbage_key.certificates[0].key_file = tmp.file("bad.key");
  EXPECT_NE(error_of(garbage_key, tmp.path()).find("bad.key"), std::string::npos);

  config::Tls v = t;
  v.min_version = "1.1";
  EXPECT_NE(error_of(v, tmp.path()).find("min_version"), std::string::npos);
  v = t;
  v.min_version = "1.3";
  v.max_version = "1.2";
  EXPECT_NE(error_of(v, tmp.path()).find("above"), std::string::npos);
  v = t;
  v.ciphers = "NOT-A-CIPHER";
  EXPECT_NE(error_of(v, tmp.path()).find("ciphers"), std::string::npos);
  v = t;
  v.ciphersuites = "TLS_NOPE";
  EXPECT_NE(error_of(v, tmp.path()).find("ciphersuites"), std::string::npos);
  v = t;
  v.groups = "P-999";
  EXPECT_NE(error_of(v, tmp.path()).find("groups"), std::string::npos);
}

TEST_F(TlsContextTest, SharedAcrossThreads) {
  auto srv = make_server_tls_context(one_cert(), kH2H1, tmp.path());
  auto cli = client();
  auto seed = test::run_handshake(*srv, *cli, "default.test");
  ASSERT_TRUE(seed.session);
  std::atomic<int> ok{0}, reused{0};
  auto work = [&] {
    for (int i = 0; i < 4; ++i) {
      auto r = test::run_handshake(*srv, *cli, "default.test", seed.session.get());
      ok += r.client_ok && r.server_ok;
      reused += r.client_reused;
    }
  };
  std::thread t1(work), t2(work);
  t1.join();
  t2.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(reused.load(), 8);
}

}  // namespace
}  // namespace strata::io

#include "conn/accept.hpp"

#include <atomic>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "conn/http1_connection.hpp"
#include "conn/memory_trim.hpp"
#include "conn/proxy_header.hpp"
#include "core/slab.hpp"
#include "io/peer_cert.hpp"
#include "io/tls_handshake.hpp"
#include "obs/metrics.hpp"
#include "security/listener_gate.hpp"
#include "security/rules.hpp"

namespace strata::conn {

namespace asio = boost::asio;
using asio::ip::tcp;

bool preface_prefix(std::string_view bytes) {
  auto n = std::min(bytes.size(), kH2Preface.size());
  return bytes.substr(0, n) == kH2Preface.substr(0, n);
}

namespace {

std::atomic<std::uint64_t> g_conn_ids{0};

std::string ip_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

http::ConnInfo make_info(tcp::socket& s, const Snapshot& snap) {
  http::ConnInfo info;
  boost::system::error_code ec;
  auto peer = s.remote_endpoint(ec);
  if (!ec) {
    info.peer_ip = ip_text(peer.address());
    info.peer_port = peer.port();
  }
  auto local = s.local_endpoint(ec);
  if (!ec) {
    info.local_ip = ip_text(local.address());
    info.local_port = local.port();
  }
  info.listener = snap.listener ? snap.listener->name : std::string();
  info.id = ++g_conn_ids;
  return info;
}

// Reads until the bytes either diverge from the h2 preface or complete it,
// bounded by the header timeout. Returns false when the peer went away.
// Reads straight into `initial` (which becomes the HTTP/1.1 read buffer):
// no buffer in the coroutine frame.
asio::awaitable<bool> sniff_preface(io::Transport& t, std::string& initial,
                                    std::chrono::milliseconds timeout) {
  constexpr std::size_t kRead = 1024;
  asio::steady_timer timer(t.get_executor());
  timer.expires_after(timeout);
  // Shared with the timer's handler, which may still be queued when this
  // coroutine returns: it touches `t` only while the sniffing goes on.
  struct State {
    bool done = false;
    bool timed_out = false;
  };
  auto st = std::make_shared<State>();
  timer.async_wait([st, &t](boost::system::error_code ec) {
    if (ec || st->done) return;
    st->timed_out = true;
    t.close();
  });
  while (preface_prefix(initial) && initial.size() < kH2Preface.size()) {
    const std::size_t have = initial.size();
    initial.resize(have + kRead);
    auto r = co_await t.read_some(std::span<char>(initial.data() + have, kRead));
    initial.resize(have + (r.ec ? 0 : r.n));
    if (r.ec) break;
  }
  st->done = true;
  timer.cancel();
  if (st->timed_out) obs::counter("strata_http1_timeouts_total", "Connections closed by a timeout", {{"kind", "header"}}).inc();
  co_return t.is_open() && !initial.empty();
}

// What the first moments of a connection decided. The coroutine that
// computes it ends before the long-lived driver starts, so its frame (TLS
// handshake, sniffing) is not kept for the life of the connection.
struct Start {
  // Kept for the life of the connection: the TLS context's callbacks and
  // ex_data belong to this generation of the configuration.
  std::shared_ptr<const Snapshot> snap;
  std::unique_ptr<io::Transport> t;
  http::ConnInfo info;
  std::string initial;
  bool h2 = false;
  security::ConnectionLimiter::Ticket ticket;  // the client prefix's connection slot
};

// The listener's connection-time security (security/listener_gate.hpp),
// before TLS: the PROXY header (its source becomes the peer), then the
// allow/deny list and the per-prefix connection limit on that peer. False:
// the connection is refused (counted) and `s` closed.
asio::awaitable<bool> gate(tcp::socket& s, const security::ListenerGate& g, Start& st) {
  if (g.proxy_protocol()) {
    auto r = co_await read_proxy_header(s, g.proxy_versions(), g.proxy_timeout());
    if (!r.ok) {
      g.proxy_error(r.reason);
      co_return false;
    }
    if (!r.header.local) {
      st.info.proxy_peer_ip = st.info.peer_ip;
      st.info.peer_ip = security::to_string(r.header.src);
      st.info.peer_port = r.header.src_port;
    }
  }
  co_return g.admit(st.info.peer_ip, st.ticket) == security::ListenerGate::Verdict::ok;
}

asio::awaitable<Start> start(tcp::socket s, ServerContext& ctx) {
  Start st;
  auto snap = ctx.snapshot();
  st.snap = snap;
  if (!snap || !snap->listener) co_return st;
  const auto& cfg = *snap->config;
  st.info = make_info(s, *snap);
  if (snap->gate && !co_await gate(s, *snap->gate, st)) {
    boost::system::error_code ignored;
    s.close(ignored);
    co_return st;
  }
  // After the gate (a PROXY header names the peer). Security rules (not on the admin listener, which is not one of
  // cfg.listeners): count new_connections; a block_close penalty closes it.
  const bool configured = snap->listener >= cfg.listeners.data() &&
                          snap->listener < cfg.listeners.data() + cfg.listeners.size();
  if (auto rules = configured ? security::RuleRegistry::global().current() : nullptr;
      rules && !rules->empty() && rules->on_connection(st.info.peer_ip))
    co_return st;
  boost::system::error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  if (snap->tls) {
    const bool mtls = snap->listener->tls && snap->listener->tls->client_certificates.mode != "off";
    io::PeerCertFailure why = io::PeerCertFailure::none;
    st.t = co_await io::accept_tls(std::move(s), *snap->tls, cfg.timeouts.tls_handshake, &why);
    if (mtls && (st.t || why != io::PeerCertFailure::none)) {
      const char* result = why == io::PeerCertFailure::missing ? "missing"
                           : why == io::PeerCertFailure::invalid ? "invalid"
                                                                  : "none";
      if (st.t) {
        auto pc = io::peer_certificate(*st.t);
        st.info.client_cert_verified = pc.verified;
        if (pc.verified) {
          st.info.client_cert_subject = std::move(pc.subject);
          st.info.client_cert_san = std::move(pc.san);
          result = "verified";
        }
      }
      // Once per TLS handshake on mTLS listeners only (the lookup locks).
      obs::counter("strata_security_client_cert_total",
                   "Client certificates on mTLS listeners by result",
                   {{"listener", snap->listener->name}, {"result", result}})
          .inc();
    }
    if (!st.t) co_return st;
    st.info.tls = true;
    st.info.alpn = st.t->alpn();
    st.info.sni = st.t->sni();
    st.h2 = st.info.alpn == "h2";
    co_return st;
  }
  st.t = io::make_tcp_transport(std::move(s));
  if (snap->listener->has("h2c")) {
    if (!co_await sniff_preface(*st.t, st.initial, cfg.timeouts.header)) {
      st.t.reset();
      co_return st;
    }
    st.h2 = st.initial.size() >= kH2Preface.size() && preface_prefix(st.initial);
  }
  co_return st;
}

// What a parked-capable HTTP/1.1 connection keeps alive (start_http1).
struct Http1Keep {
  std::shared_ptr<ServerContext> ctx;
  std::shared_ptr<const Snapshot> snap;
  security::ConnectionLimiter::Ticket ticket;
  std::shared_ptr<void> hold;  // the caller's count of live connections
};

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket s, std::shared_ptr<ServerContext> ctx,
                                       std::shared_ptr<void> hold) {
  Start st = co_await start(std::move(s), *ctx);
  if (!st.t) co_return;
  if (!st.h2) {
    // The HTTP/1.1 connection owns itself (it parks between requests with
    // no coroutine frame): it holds the context, the snapshot and the
    // connection slot until it ends.
    auto keep = std::allocate_shared<Http1Keep>(core::SlabAllocator<Http1Keep>{});  // core/slab.hpp
    keep->ctx = ctx;
    keep->snap = std::move(st.snap);
    keep->ticket = std::move(st.ticket);
    keep->hold = std::move(hold);
    start_http1(std::move(st.t), *ctx, std::move(st.info), std::move(st.initial), std::move(keep),
                nullptr);
    co_return;
  }
  auto ticket = std::move(st.ticket);  // held until the connection ends
  co_await serve_http2(std::move(st.t), *ctx, std::move(st.info), std::move(st.initial));
  note_connection_closed(co_await asio::this_coro::executor);
}

}  // namespace strata::conn

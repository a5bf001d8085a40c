// UpstreamsImpl::try_once: one try of a proxied request against one
// endpoint. Not a coroutine: it hands back the awaitable of the leg that
// runs the try: try_h1 (borrow or open a connection within the cluster's
// connection limit, forward over HTTP/1.1), try_tunnel (an extended
// CONNECT as an HTTP/1.1 Upgrade) or proxy_h2; each reports how the try
// ended. The orchestration (breakers, bulkheads, retries, tiers) is in
// resilient_proxy.cpp and tier_runner.cpp.
#include <algorithm>
#include <chrono>
#include <optional>

#include "http/context.hpp"
#include "http/tunnel.hpp"
#include "security/proxy_protocol.hpp"
#include "upstream/pool/connector.hpp"
#include "upstream/pool/h1_client.hpp"
#include "upstream/pool/watchdog.hpp"
#include "upstream/tunnel/relay.hpp"
#include "upstream/tunnel/websocket.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;

namespace {

// Counts an open upstream connection until the H1Conn holding it dies.
std::shared_ptr<void> connection_guard(ClusterState& st) {
  ++*st.connections;
  ++st.status->connections;
  return std::shared_ptr<void>(nullptr, [c = st.connections, s = st.status](void*) {
    --*c;
    --s->connections;
  });
}

// An extended CONNECT (RFC 8441 / RFC 9220) becomes the HTTP/1.1 opening
// handshake upstream: GET with Upgrade and a Sec-WebSocket-Key of ours
// (the client sends none); sec-websocket-protocol/-extensions/-version
// pass through as built. `key` receives the generated key.
pool::UpstreamRequest h1_upgrade_request(const pool::UpstreamRequest& ureq,
                                         const http::Request& req, std::string& key) {
  pool::UpstreamRequest up = ureq;
  up.method = "GET";
  up.upgrade = req.connect_protocol;
  up.content_length.reset();
  up.has_body = false;
  if (http::iequals(req.connect_protocol, "websocket")) {
    key = tunnel::websocket_key();
    up.headers.set("sec-websocket-key", key);
    if (!up.headers.has("sec-websocket-version")) up.headers.set("sec-websocket-version", "13");
  }
  return up;
}

// The PROXY header (Cluster::proxy_protocol "v1" | "v2") naming the client
// (ctx.client_ip; its port when it is the peer) and the address it reached.
std::string proxy_preamble(std::string_view version, http::Exchange& ex) {
  const auto& ci = ex.conn();
  const auto* ctx = ex.context();
  const std::string_view client =
      ctx && !ctx->client_ip.empty() ? ctx->client_ip.view() : std::string_view(ci.peer_ip);
  return security::proxy_header_for(version, client, client == ci.peer_ip ? ci.peer_port : 0,
                                    ci.local_ip, ci.local_port);
}

// A new connection to `ep` (within the cluster's connection limit), in a
// frame of its own: the connect's state is not carried by every try.
struct Opened {
  std::unique_ptr<pool::H1Conn> conn;
  TryKind fail = TryKind::ok;  // with no conn: overflow, connect_error or connect_timeout
};

asio::awaitable<Opened> open_h1(http::Exchange& ex, ClusterState& st, cluster::Endpoint& ep,
                                pool::H1Pool& pool, std::chrono::milliseconds timeout) {
  const auto& cc = st.cluster->config();
  Opened out;
  if (*st.connections >= cc.limits.max_connections) {
    st.status->overflow_connections->inc();
    out.fail = TryKind::overflow;
    co_return out;
  }
  pool::ConnectOptions co;
  co.timeout = std::min<std::chrono::milliseconds>(cc.connect_timeout, timeout);
  co.tls = st.tls.get();
  co.sni = cc.sni.empty() ? ep.host : cc.sni;
  co.verify = cc.tls_verify;
  if (cc.proxy_protocol != "off") co.preamble = proxy_preamble(cc.proxy_protocol, ex);
  auto guard = connection_guard(st);
  auto r = co_await pool::connect_endpoint(ex.executor(), ep.addrs, co);
  if (r.ec) {
    st.metrics.connect_errors->inc();
    out.fail = r.ec == asio::error::timed_out ? TryKind::connect_timeout : TryKind::connect_error;
    co_return out;
  }
  st.metrics.opened->inc();
  out.conn = std::make_unique<pool::H1Conn>(std::move(r.transport));
  out.conn->guard = std::move(guard);
  out.conn->lease = pool.lease();
  co_return out;
}

// One try over HTTP/1.1: a pooled connection (or a new one), the exchange
// forwarded by h1_forward. `tunnel_key` is set for an extended CONNECT
// turned into an Upgrade (the Sec-WebSocket-Key sent; empty for other
// protocols): then only a 101 is accepted and the tunnel is relayed here.
asio::awaitable<TryResult> try_h1(http::Exchange& ex, ClusterState& st, cluster::Endpoint& ep,
                                  const pool::UpstreamRequest& req, std::chrono::milliseconds timeout,
                                  const config::Config* cfg, const std::string* tunnel_key) {
  pool::H1Options opt;
  opt.require_switch = tunnel_key != nullptr;
  if (cfg) {
    opt.chunk = std::clamp<std::size_t>(cfg->limits.stream_buffer, 4096, 1 << 20);
    opt.max_header_bytes = cfg->limits.max_header_bytes;
  }
  pool::H1Conn* current = nullptr;
  pool::Watchdog dog(ex.executor(), timeout, [&current] {
    if (current) current->transport->close();
  });
  auto& pool = st.pool_for(ep.key);
  auto& m = st.metrics;

  for (int attempt = 0; attempt < 2; ++attempt) {
    // A request that is resent when its pooled connection turns out closed
    // (below) needs no liveness probe first.
    const bool resendable = pool::idempotent(req.method) && !req.has_body;
    std::unique_ptr<pool::H1Conn> conn = attempt == 0 ? pool.take(!resendable) : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) {
      auto opened = co_await open_h1(ex, st, ep, pool, timeout);
      if (!opened.conn)
        co_return TryResult{dog.fired() && opened.fail != TryKind::overflow ? TryKind::timeout
                                                                            : opened.fail,
                            0};
      conn = std::move(opened.conn);
    }
    if (dog.fired()) co_return TryResult{TryKind::timeout, 0};

    current = conn.get();
    m.busy->add();
    auto res = co_await pool::h1_forward(*conn, req, ex, opt);
    m.busy->sub();
    current = nullptr;

    if (res.outcome == pool::H1Outcome::upgraded) {
      dog.disarm();  // the route timeout does not bound a tunnel
      // (No conditional expression inside the co_await: GCC 12 mishandles
      // the temporaries of one there.)
      std::string_view key;
      if (tunnel_key) key = *tunnel_key;
      const auto outcome = co_await tunnel::relay_upgrade(ex, std::move(conn), *res.switching, cfg, key);
      if (outcome == tunnel::UpgradeOutcome::bad_handshake) co_return TryResult{TryKind::bad_response, 101};
      // The tunnel ran to its end: the exchange is over either way.
      co_return TryResult{outcome == tunnel::UpgradeOutcome::upgraded ? TryKind::ok : TryKind::downstream, 101};
    }
    if (res.outcome == pool::H1Outcome::ok) {
      // A connection that carried a PROXY header speaks for one client: never reused.
      if (res.reusable && !st.stopped && st.cluster->config().proxy_protocol == "off")
        pool.put(std::move(conn));
      co_return TryResult{TryKind::ok, res.status};
    }
    if (res.outcome == pool::H1Outcome::downstream_failed)
      co_return TryResult{TryKind::downstream, res.status};
    if (dog.fired()) {
      if (ex.head_sent()) {
        if (!ex.finished()) ex.reset();
        co_return TryResult{TryKind::reset_relayed, res.status};
      }
      co_return TryResult{TryKind::timeout, res.status};
    }
    // A pooled connection the peer had closed: nothing was relayed and no
    // body was consumed, so an idempotent request goes once more on a fresh one.
    if (res.outcome == pool::H1Outcome::failed_before_send && reused &&
        pool::idempotent(req.method)) {
      m.stale_retries->inc();
      continue;
    }
    switch (res.outcome) {
      case pool::H1Outcome::failed_mid_response:
        if (!ex.finished()) ex.reset();
        co_return TryResult{TryKind::reset_relayed, res.status};
      case pool::H1Outcome::bad_response:
        co_return TryResult{TryKind::bad_response, res.status};
      default:
        co_return TryResult{TryKind::reset, res.status};
    }
  }
  co_return TryResult{TryKind::reset, 0};
}

// An extended CONNECT as an HTTP/1.1 Upgrade (h1_upgrade_request).
asio::awaitable<TryResult> try_tunnel(http::Exchange& ex, ClusterState& st, cluster::Endpoint& ep,
                                      const pool::UpstreamRequest& ureq,
                                      std::chrono::milliseconds timeout, const config::Config* cfg) {
  std::string ws_key;
  const auto up = h1_upgrade_request(ureq, ex.request(), ws_key);
  co_return co_await try_h1(ex, st, ep, up, timeout, cfg, &ws_key);
}

asio::awaitable<TryResult> done(TryResult r) { co_return r; }

}  // namespace

// Not a coroutine: the awaitable of the leg that runs the try, so the
// common path has one frame (try_h1 or proxy_h2) and no more.
asio::awaitable<TryResult> UpstreamsImpl::try_once(http::Exchange& ex, ClusterState& st,
                                                   cluster::Endpoint& ep,
                                                   const pool::UpstreamRequest& ureq,
                                                   std::chrono::milliseconds timeout) {
  const bool extended_connect = ex.request().method == "CONNECT" &&
                                http::tunnel_kind(ex.request()) == http::TunnelKind::extended_connect;
  if (config::is_h2(st.cluster->config().protocol)) {
    // Tunnels reach HTTP/1.1 upstreams only (Upgrade).
    if (extended_connect) return done(TryResult{TryKind::unsupported, 0});
    return proxy_h2(st, ep, ex, ureq, timeout, cfg_.get());
  }
  if (extended_connect) return try_tunnel(ex, st, ep, ureq, timeout, cfg_.get());
  return try_h1(ex, st, ep, ureq, timeout, cfg_.get(), nullptr);
}

}  // namespace strata::upstream

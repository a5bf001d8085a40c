// Upstreams::proxy: pick an endpoint, borrow or open a connection, forward
// the exchange, map failures to 502/503/504 or a reset, record metrics.
#include <algorithm>
#include <chrono>

#include "upstream/lb/ring_hash.hpp"
#include "upstream/pool/connector.hpp"
#include "upstream/pool/h1_client.hpp"
#include "upstream/pool/watchdog.hpp"
#include "upstream/request_builder.hpp"
#include "upstream/tunnel/relay.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;

namespace {

// Finishes the exchange after a failure: an error response while the head
// is not out yet, otherwise an abort.
asio::awaitable<void> fail_exchange(http::Exchange& ex, int status, std::string_view body) {
  if (ex.finished()) co_return;
  if (ex.head_sent()) {
    ex.reset();
    co_return;
  }
  co_await http::respond(ex, status, body);
}

struct ActiveGuard {
  explicit ActiveGuard(cluster::Endpoint& e) : ep(e) { ++ep.active; }
  ~ActiveGuard() { --ep.active; }
  cluster::Endpoint& ep;
};

}  // namespace

asio::awaitable<void> UpstreamsImpl::proxy(http::Exchange& ex, const config::ProxyAction& action,
                                           std::string_view matched_prefix) {
  auto it = clusters_.find(action.cluster);
  if (it == clusters_.end()) {
    co_await fail_exchange(ex, 503, "no such upstream cluster\n");
    co_return;
  }
  const std::shared_ptr<ClusterState> st = it->second;  // survives a reload meanwhile
  const auto cfg = cfg_;
  const auto& cc = st->cluster->config();
  auto& m = st->metrics;
  const auto started = std::chrono::steady_clock::now();
  const auto finish = [&](std::string_view outcome) {
    m.requests(outcome).inc();
    m.duration->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  };

  const bool h2_upstream = cc.protocol == "h2" || cc.protocol == "h2c";
  if (cc.protocol != "h1" && !h2_upstream) {
    finish("unsupported_protocol");
    co_await fail_exchange(ex, 502, "upstream protocol not supported\n");
    co_return;
  }

  const std::uint64_t hash =
      cc.lb == "ring_hash" ? lb::hash_key(lb_key(ex.request(), ex.conn(), cc.hash_on)) : 0;
  const auto ep = st->cluster->pick(hash);
  if (!ep) {
    finish("no_endpoint");
    co_await fail_exchange(ex, 503, "no upstream endpoint available\n");
    co_return;
  }
  ActiveGuard active(*ep);

  auto ureq =
      build_upstream_request(ex.request(), ex.conn(), action, matched_prefix, h2_upstream, rng_);
  // HTTP/1.1 Upgrade (WebSocket) to an h1 upstream keeps its Upgrade field.
  if (!h2_upstream && http::is_upgrade_request(ex.request()))
    ureq.upgrade = std::string(ex.request().headers.get("upgrade").value_or(""));
  auto deadline = action.timeout.value_or(cfg ? cfg->timeouts.route : config::Duration(60000));
  if (action.per_try_timeout) deadline = std::min(deadline, *action.per_try_timeout);
  if (h2_upstream) {
    finish(co_await proxy_h2(*st, *ep, ex, ureq, deadline, cfg.get()));
    co_return;
  }
  pool::H1Options opt;
  if (cfg) {
    opt.chunk = std::clamp<std::size_t>(cfg->limits.stream_buffer, 4096, 1 << 20);
    opt.max_header_bytes = cfg->limits.max_header_bytes;
  }

  pool::H1Conn* current = nullptr;
  pool::Watchdog dog(ex.executor(), deadline, [&current] {
    if (current) current->transport->close();
  });
  auto& pool = st->pool_for(ep->key);

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<pool::H1Conn> conn = attempt == 0 ? pool.take() : nullptr;
    const bool reused = conn != nullptr;
    if (!conn) {
      pool::ConnectOptions co;
      co.timeout = cc.connect_timeout;
      co.tls = st->tls.get();
      co.sni = cc.sni.empty() ? ep->host : cc.sni;
      co.verify = cc.tls_verify;
      auto r = co_await pool::connect_endpoint(ex.executor(), ep->addrs, co);
      if (r.ec) {
        m.connect_errors->inc();
        if (dog.fired()) {
          finish("timeout");
          co_await fail_exchange(ex, 504, "upstream timeout\n");
        } else {
          finish("connect_error");
          co_await fail_exchange(ex, 502, "upstream connect error\n");
        }
        co_return;
      }
      conn = std::make_unique<pool::H1Conn>(std::move(r.transport));
    }
    if (dog.fired()) {
      finish("timeout");
      co_await fail_exchange(ex, 504, "upstream timeout\n");
      co_return;
    }

    current = conn.get();
    m.busy->add();
    const auto res = co_await pool::h1_forward(*conn, ureq, ex, opt);
    m.busy->sub();
    current = nullptr;

    if (res.outcome == pool::H1Outcome::upgraded) {
      dog.disarm();  // the route timeout does not bound a tunnel
      auto sw = res.switching;
      finish(co_await tunnel::relay_upgrade(ex, std::move(conn), sw, cfg.get()));
      co_return;
    }
    if (res.outcome == pool::H1Outcome::ok) {
      if (res.reusable && !st->stopped) pool.put(std::move(conn));
      finish("success");
      co_return;
    }
    if (dog.fired() && res.outcome != pool::H1Outcome::downstream_failed) {
      finish("timeout");
      co_await fail_exchange(ex, 504, "upstream timeout\n");
      co_return;
    }
    // A pooled connection the peer had closed: nothing was relayed and no
    // body was consumed, so an idempotent request goes once more on a fresh one.
    if (res.outcome == pool::H1Outcome::failed_before_send && reused &&
        pool::idempotent(ureq.method))
      continue;
    switch (res.outcome) {
      case pool::H1Outcome::downstream_failed:
        // Before the head went out the codec answers the body error itself
        // (400 bad framing, 413 over the limit); afterwards only a reset helps.
        finish("downstream_error");
        if (ex.head_sent() && !ex.finished()) ex.reset();
        break;
      case pool::H1Outcome::failed_mid_response:
        finish("upstream_reset");
        if (!ex.finished()) ex.reset();
        break;
      case pool::H1Outcome::bad_response:
        finish("bad_response");
        co_await fail_exchange(ex, 502, "bad upstream response\n");
        break;
      default:
        finish("upstream_reset");
        co_await fail_exchange(ex, 502, "upstream connection failed\n");
        break;
    }
    co_return;
  }
}

}  // namespace strata::upstream

// proxy_h2: the HTTP/2 (h2 over TLS with ALPN, h2c prior knowledge) leg of
// a try (see try_once): reports how the try ended; the resilient flow maps
// failures to retries, fallback tiers or 502/503/504, and the exchange is
// reset here only once the head was relayed.
#include <algorithm>

#include "core/loop_clock.hpp"
#include <chrono>

#include "upstream/pool/h2_forward.hpp"
#include "upstream/pool/watchdog.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;


asio::awaitable<TryResult> proxy_h2(ClusterState& st, cluster::Endpoint& ep, http::Exchange& ex,
                                    const pool::UpstreamRequest& ureq, config::Duration deadline,
                                    const config::Config* cfg) {
  const auto& cc = st.cluster->config();
  auto& m = st.metrics;
  const config::Limits limits = cfg ? cfg->limits : config::Limits{};
  auto& pool = st.h2_pool_for(ep.key, ex.executor(), limits);

  pool::ConnectOptions co;
  co.timeout = std::min<config::Duration>(cc.connect_timeout, deadline);
  const bool tls = cc.protocol == config::UpstreamProtocol::h2;
  co.tls = tls ? st.tls.get() : nullptr;
  co.sni = cc.sni.empty() ? ep.host : cc.sni;
  co.verify = cc.tls_verify;

  pool::H2ForwardOptions fo;
  fo.chunk = std::clamp<std::size_t>(limits.stream_buffer, 4096, 1 << 20);
  pool::H2Body body(ex, fo.chunk);
  pool::H2Cancel cancel;
  pool::Watchdog dog(ex.executor(), deadline, [&cancel] { cancel.fire(); });
  const auto until = core::LoopClock::steady() + deadline;

  const pool::H2Conn* avoid = nullptr;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = co_await pool.acquire(ep.addrs, co, tls, until, avoid);
    if (!lease.conn) {
      if (lease.connect_failed) m.connect_errors->inc();
      if (dog.fired()) co_return TryResult{TryKind::timeout, 0};
      if (lease.connect_failed && lease.ec == asio::error::timed_out)
        co_return TryResult{TryKind::connect_timeout, 0};
      if (lease.ec == asio::error::timed_out) co_return TryResult{TryKind::timeout, 0};
      co_return TryResult{TryKind::connect_error, 0};
    }
    std::shared_ptr<pool::H2Conn> conn = std::move(lease.conn);
    avoid = conn.get();
    const auto res = co_await pool::h2_forward(conn, ureq, ex, body, fo, cancel);
    switch (res.outcome) {
      case pool::H2Outcome::ok:
        co_return TryResult{TryKind::ok, res.status};
      case pool::H2Outcome::refused:
        // Not processed upstream: once more on another connection, if the
        // body read so far can be replayed.
        if (attempt == 0 && body.rewind() && !ex.head_sent()) continue;
        co_return TryResult{TryKind::refused, 0};
      case pool::H2Outcome::timed_out:
        if (ex.head_sent()) {
          if (!ex.finished()) ex.reset();
          co_return TryResult{TryKind::reset_relayed, res.status};
        }
        co_return TryResult{TryKind::timeout, res.status};
      case pool::H2Outcome::downstream_failed:
        co_return TryResult{TryKind::downstream, res.status};
      case pool::H2Outcome::failed_mid_response:
        if (!ex.finished()) ex.reset();
        co_return TryResult{TryKind::reset_relayed, res.status};
      case pool::H2Outcome::bad_response:
        co_return TryResult{TryKind::bad_response, res.status};
      case pool::H2Outcome::failed_no_response:
        co_return TryResult{TryKind::reset, res.status};
    }
  }
  co_return TryResult{TryKind::refused, 0};
}

}  // namespace strata::upstream

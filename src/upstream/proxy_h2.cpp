// proxy_h2: the HTTP/2 (h2 over TLS with ALPN, h2c prior knowledge) leg of
// Upstreams::proxy. Error mapping matches HTTP/1.1: 502 on connect failure
// or an upstream failure before the response head, 504 on the deadline,
// Exchange::reset() once the head was relayed.
#include <algorithm>
#include <chrono>

#include "upstream/pool/h2_forward.hpp"
#include "upstream/pool/watchdog.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;

namespace {

asio::awaitable<void> fail_h2(http::Exchange& ex, int status, std::string_view body) {
  if (ex.finished()) co_return;
  if (ex.head_sent()) {
    ex.reset();
    co_return;
  }
  co_await http::respond(ex, status, body);
}

}  // namespace

asio::awaitable<std::string_view> proxy_h2(ClusterState& st, cluster::Endpoint& ep,
                                           http::Exchange& ex, const pool::UpstreamRequest& ureq,
                                           config::Duration deadline, const config::Config* cfg) {
  const auto& cc = st.cluster->config();
  auto& m = st.metrics;
  const config::Limits limits = cfg ? cfg->limits : config::Limits{};
  auto& pool = st.h2_pool_for(ep.key, ex.executor(), limits);

  pool::ConnectOptions co;
  co.timeout = cc.connect_timeout;
  co.tls = cc.protocol == "h2" ? st.tls.get() : nullptr;
  co.sni = cc.sni.empty() ? ep.host : cc.sni;
  co.verify = cc.tls_verify;

  pool::H2ForwardOptions fo;
  fo.chunk = std::clamp<std::size_t>(limits.stream_buffer, 4096, 1 << 20);
  pool::H2Body body(ex, fo.chunk);
  pool::H2Cancel cancel;
  pool::Watchdog dog(ex.executor(), deadline, [&cancel] { cancel.fire(); });
  const auto until = std::chrono::steady_clock::now() + deadline;

  const pool::H2Conn* avoid = nullptr;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = co_await pool.acquire(ep.addrs, co, cc.protocol == "h2", until, avoid);
    if (!lease.conn) {
      if (lease.connect_failed) m.connect_errors->inc();
      if (lease.ec == asio::error::timed_out || dog.fired()) {
        co_await fail_h2(ex, 504, "upstream timeout\n");
        co_return "timeout";
      }
      co_await fail_h2(ex, 502, "upstream connect error\n");
      co_return "connect_error";
    }
    std::shared_ptr<pool::H2Conn> conn = std::move(lease.conn);
    avoid = conn.get();
    const auto res = co_await pool::h2_forward(conn, ureq, ex, body, fo, cancel);
    switch (res.outcome) {
      case pool::H2Outcome::ok:
        co_return "success";
      case pool::H2Outcome::refused:
        // Not processed upstream: once more on another connection, if the
        // body read so far can be replayed.
        if (attempt == 0 && body.rewind() && !ex.head_sent()) continue;
        co_await fail_h2(ex, 502, "upstream refused the stream\n");
        co_return "upstream_reset";
      case pool::H2Outcome::timed_out:
        co_await fail_h2(ex, 504, "upstream timeout\n");
        co_return "timeout";
      case pool::H2Outcome::downstream_failed:
        // Before the head the codec answers the body error (400/413) itself.
        if (ex.head_sent() && !ex.finished()) ex.reset();
        co_return "downstream_error";
      case pool::H2Outcome::failed_mid_response:
        if (!ex.finished()) ex.reset();
        co_return "upstream_reset";
      case pool::H2Outcome::bad_response:
        co_await fail_h2(ex, 502, "bad upstream response\n");
        co_return "bad_response";
      case pool::H2Outcome::failed_no_response:
        co_await fail_h2(ex, 502, "upstream connection failed\n");
        co_return "upstream_reset";
    }
  }
  co_await fail_h2(ex, 502, "upstream refused the stream\n");
  co_return "upstream_reset";
}

}  // namespace strata::upstream

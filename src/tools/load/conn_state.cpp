#include "tools/load/client_protocol.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/load/connector.hpp"
#include "tools/load/hold.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;

ConnState::ConnState(const RunShared& g_, ThreadStats& st_, unsigned idx, std::uint64_t quota)
    : g(g_), st(st_), index(idx), counted_(g_.opt.requests > 0), quota_(quota) {
  if (g.opt.rate > 0)
    sched_.emplace(g.start, g.opt.rate, g.opt.connections ? g.opt.connections : 1, idx);
  path_rr_ = idx;
}

bool ConnState::more(time_point now) const {
  if (g.stop.load(std::memory_order_relaxed)) return false;
  if (now >= g.deadline) return false;
  return !counted_ || quota_ > 0;
}

std::optional<InFlight> ConnState::take(time_point now) {
  if (!more(now)) return std::nullopt;
  InFlight r;
  if (sched_) {
    const time_point t = sched_->intended(seq_);
    if (t > now) return std::nullopt;
    r.start = t;
  } else {
    r.start = now;
  }
  ++seq_;
  if (counted_) --quota_;
  r.path = path_rr_++ % g.target.paths.size();
  return r;
}

std::optional<time_point> ConnState::next_intended() const {
  if (!sched_) return std::nullopt;
  return sched_->intended(seq_);
}

void ConnState::complete(const InFlight& r, time_point done, int status, std::uint64_t body) {
  if (!measuring(r.start) || done > g.deadline) return;
  ++st.succeeded;
  st.record_status(status);
  st.body_bytes += body;
  st.latency.record(std::uint64_t((done - r.start).count()));
  const time_point fb = r.first_byte == time_point{} ? done : r.first_byte;
  st.ttfb.record(std::uint64_t(std::max<std::int64_t>(0, (fb - r.start).count())));
  st.last_done_ns = std::max<std::int64_t>(st.last_done_ns, done.time_since_epoch().count());
}

ConnRuntime::ConnRuntime(std::unique_ptr<io::Transport> t)
    : transport(std::move(t)), tick(transport->get_executor()) {}

asio::awaitable<void> watchdog(std::shared_ptr<ConnRuntime> rt, const RunShared& g) {
  while (!rt->done) {
    rt->tick.expires_after(std::chrono::milliseconds(50));
    co_await rt->tick.async_wait(asio::as_tuple(asio::use_awaitable));
    if (rt->done) break;
    const auto now = clock_type::now();
    if (now >= g.deadline || g.stop.load(std::memory_order_relaxed)) {
      rt->stopped = true;
      rt->transport->close();
      break;
    }
    if (rt->oldest != time_point::max() && now - rt->oldest > g.timeout) {
      rt->timed_out = true;
      rt->transport->close();
      break;
    }
  }
}

asio::awaitable<void> ramp_wait(const RunShared& g, unsigned index) {
  if (g.opt.ramp_s <= 0 || g.opt.connections == 0) co_return;
  const auto at = g.start + std::chrono::nanoseconds(std::int64_t(g.opt.ramp_s * 1e9 * index / g.opt.connections));
  asio::steady_timer t(co_await asio::this_coro::executor, at);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> run_connection(ConnState& cs) {
  const RunShared& g = cs.g;
  co_await ramp_wait(g, cs.index);
  if (g.opt.protocol == ProtocolChoice::h3) {
    co_await run_connection_h3(cs);
    co_return;
  }
  int failures = 0;
  ConnectParams cp;
  cp.endpoints = g.endpoints;
  cp.tls = g.tls.get();
  cp.sni = g.target.host;
  cp.verify = g.opt.verify_tls;
  cp.timeout = std::chrono::nanoseconds(std::int64_t(g.opt.connect_timeout_s * 1e9));
  if (!g.sources.empty()) cp.source = g.sources[cs.index % g.sources.size()];
  auto ex = co_await asio::this_coro::executor;
  HoldGuard hold_part(g.hold);  // --hold: an end without being held still counts
  while (cs.more(clock_type::now())) {
    // Open loop: do not hold a connection open before the first request is due.
    Connected c = co_await connect_once(cp);
    if (!c.transport) {
      cs.st.error(c.failure == Connected::Failure::tls ? ErrorKind::tls : ErrorKind::connect);
      if (++failures >= 3) {
        cs.abandon();
        co_return;
      }
      asio::steady_timer backoff(ex, std::chrono::milliseconds(20 * failures));
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    failures = 0;
    ++cs.st.connections_opened;
    cs.st.connect.record(std::uint64_t(c.connect_time.count()));
    if (g.tls) cs.st.tls.record(std::uint64_t(c.tls_time.count()));
    bool h2 = false;
    switch (g.opt.protocol) {
      case ProtocolChoice::h2: h2 = true; break;
      case ProtocolChoice::h1:
      case ProtocolChoice::h3: h2 = false; break;
      case ProtocolChoice::automatic: h2 = c.alpn == "h2"; break;
    }
    if (h2 && g.tls && c.alpn != "h2") {
      cs.st.error(ErrorKind::protocol);  // asked for h2, server did not agree
      cs.abandon();
      co_return;
    }
    if (cs.protocol.empty()) cs.protocol = h2 ? "h2" : "h1";
    auto rt = std::make_shared<ConnRuntime>(std::move(c.transport));
    asio::co_spawn(ex, watchdog(rt, g), asio::detached);
    if (h2) co_await drive_h2(cs, rt);
    else co_await drive_h1(cs, rt);
    rt->done = true;
    rt->tick.cancel();
    if (g.hold && !cs.more(clock_type::now()) && !rt->stopped && !rt->timed_out && rt->transport->is_open()) {
      hold_part.mark_held();
      co_await g.hold->held(cs.index % g.opt.threads);
    }
    if (rt->transport->is_open()) rt->transport->close();
  }
}

}  // namespace strata::tools::load

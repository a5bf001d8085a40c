// The publisher of `strata load --hub pub`: HTTP/1.1 keep-alive connections
// POSTing publications built from the --body template, each stamped with
// its send time (unix µs) so subscribers can measure publish-to-delivery
// latency. Up to -m requests in flight per connection (pipelined); with
// --rate an open-loop RateSchedule spaces the sends. Channels rotate so
// that with K channels every channel gets every K-th publication.
#include <chrono>
#include <deque>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "codec/http1/response_reader.hpp"
#include "tools/load/connector.hpp"
#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/rate_schedule.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
using sclock = std::chrono::steady_clock;

asio::awaitable<void> hub_publisher_h1(HubThread& t, unsigned index) {
  HubShared& g = t.g;
  HubStats& st = t.st;
  const HubOptions& o = g.opt;
  const unsigned conns = o.connections ? o.connections : 1;
  std::uint64_t quota = 0;  // 0 = unlimited (duration mode)
  if (o.publications)
    quota = o.publications / conns + (index < o.publications % conns ? 1 : 0);
  if (o.publications && quota == 0) co_return;
  const auto start = sclock::now();
  const auto deadline = o.duration_s > 0
                            ? start + std::chrono::nanoseconds(std::int64_t(o.duration_s * 1e9))
                            : sclock::time_point::max();
  std::optional<RateSchedule> sched;
  if (o.rate > 0) sched.emplace(start, o.rate, conns, index);
  const auto timeout = std::chrono::nanoseconds(std::int64_t(o.timeout_s * 1e9));
  std::uint64_t seq = 0;  // publications taken by this connection
  std::uint64_t sent_total = 0;
  auto more = [&](sclock::time_point now) {
    if (g.stop.load(std::memory_order_relaxed) || now >= deadline) return false;
    return quota == 0 || seq < quota;
  };
  const std::string host = g.target.authority;
  const std::string auth = o.api_key.empty() ? "" : "Authorization: apikey " + o.api_key + "\r\n";

  ConnectParams cp;
  cp.endpoints = g.endpoints;
  cp.tls = g.tls.get();
  cp.sni = g.target.host;
  cp.verify = o.verify_tls;
  cp.timeout = std::chrono::nanoseconds(std::int64_t(o.connect_timeout_s * 1e9));
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer wait(ex);
  int failures = 0;
  std::vector<char> buf(64 * 1024);
  while (more(sclock::now())) {
    ++st.attempted;
    Connected c = co_await connect_once(cp);
    if (!c.transport) {
      st.error(c.failure == Connected::Failure::tls ? HubError::handshake : HubError::connect);
      if (++failures >= 3) break;
      wait.expires_after(std::chrono::milliseconds(20 * failures));
      co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    failures = 0;
    ++st.established;
    st.connect.record(std::uint64_t(c.connect_time.count()));
    io::Transport& tr = *c.transport;
    t.live.emplace(&tr, [p = &tr] { p->close(); });
    std::deque<sclock::time_point> inflight;
    codec::http1::ResponseReader rr;
    rr.reset();
    std::string part;
    std::string batch;
    bool alive = true;
    while (alive) {
      // Send what may go now.
      batch.clear();
      auto now = sclock::now();
      while (inflight.size() < std::max(1u, o.depth) && more(now)) {
        if (sched) {
          const auto due = sched->intended(seq);
          if (due > now) break;
        }
        const std::size_t ch = std::size_t((index + sent_total * conns) % g.channels.size());
        ++seq;
        ++sent_total;
        const std::uint64_t ts = unix_us_now();
        const std::string payload = make_payload(ts, o.payload);
        const std::string body = expand_template(o.body, g.channels[ch], payload, ts);
        const std::string path = expand_template(g.path_tpl, g.channels[ch], payload, ts);
        batch += fmt::format(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n"
            "Content-Length: {}\r\n{}{}\r\n",
            path, host, body.size(), auth, g.extra_headers);
        batch += body;
        inflight.push_back(now);
      }
      if (!batch.empty()) {
        if (auto ec = co_await tr.write(batch); ec) {
          st.error(HubError::reset);
          st.publish_failed += inflight.size();
          break;
        }
      }
      if (inflight.empty()) {
        if (!more(sclock::now())) break;
        // Open loop, idle: sleep until the next publication is due.
        wait.expires_at(sched ? sched->intended(seq) : sclock::now());
        co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      // Read until at least one reply completed (or, open loop with room
      // left, until the next send is due: a short read window).
      auto [ec, n] = co_await tr.read_some(std::span<char>(buf.data(), buf.size()));
      now = sclock::now();
      if (ec) {
        if (g.stop.load(std::memory_order_relaxed)) {
          st.publish_unfinished += inflight.size();
        } else {
          st.error(HubError::reset);
          st.publish_failed += inflight.size();
        }
        break;
      }
      part.append(buf.data(), n);
      std::size_t off = 0;
      while (!inflight.empty()) {
        std::size_t used = 0;
        const auto s = rr.parse(std::string_view(part).substr(off), used);
        off += used;
        if (s == codec::http1::ResponseReader::Status::need_more) break;
        if (s == codec::http1::ResponseReader::Status::error) {
          st.error(HubError::protocol);
          st.publish_failed += inflight.size();
          inflight.clear();
          alive = false;
          break;
        }
        const int code = rr.status();
        ++st.status[code];
        if (code >= 200 && code < 300) {
          ++st.published;
          st.latency.record(std::uint64_t((now - inflight.front()).count()));
          st.last_publish_us = std::int64_t(unix_us_now());
        } else {
          ++st.publish_failed;
        }
        inflight.pop_front();
        const bool keep = rr.keep_alive();
        rr.reset();
        if (!keep) {
          st.publish_failed += inflight.size();
          inflight.clear();
          alive = false;
          break;
        }
      }
      part.erase(0, off);
      if (!inflight.empty() && now - inflight.front() > timeout) {
        st.error(HubError::timeout);
        st.publish_failed += inflight.size();
        break;
      }
    }
    t.live.erase(&tr);
    tr.close();
  }
}

}  // namespace strata::tools::load

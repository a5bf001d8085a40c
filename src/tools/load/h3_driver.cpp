// HTTP/3 connection driver for the load tool: one QUIC connection at a time
// (reconnecting like the TCP drivers), up to -m concurrent request streams
// (bounded by the server's stream credit). Connections of one thread share a
// quic_client::ClientTls, so a reconnect resumes the TLS session and sends
// its first requests as 0-RTT; requests the server refuses as 0-RTT are
// submitted again after the handshake. A watchdog enforces the per-request
// timeout, the deadline and the stop flag; in open-loop mode an issuer starts
// requests at their intended times.
#include <algorithm>
#include <deque>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/load/client_protocol.hpp"
#include "tools/load/hold.hpp"
#include "tools/quic_client/client_conn.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
namespace qc = quic_client;

namespace {

class H3Conn final : public qc::ResponseListener {
 public:
  H3Conn(ConnState& cs, asio::any_io_executor ex, const qc::ClientOptions& o, qc::ClientTls& tls)
      : cs_(cs), conn_(ex, o, tls, *this), tick_(ex), issue_timer_(ex) {
    views_.resize(cs.g.h2_headers.size());
    for (std::size_t i = 0; i < views_.size(); ++i)
      for (auto& [n, v] : cs.g.h2_headers[i]) views_[i].emplace_back(n, v);
    reqs_.reserve(256);
  }

  // Runs the connection to completion; returns whether the handshake
  // succeeded (false: nothing was exchanged, counted as connect/tls error).
  asio::awaitable<bool> run(asio::ip::udp::endpoint ep) {
    using namespace asio::experimental::awaitable_operators;
    auto main = [&]() -> asio::awaitable<void> {
      co_await conn_.run(ep);
      done_ = true;
      tick_.cancel();
      issue_timer_.cancel();
    };
    co_await (main() && watchdog() && issuer());
    account_bytes(true);
    const bool ok = conn_.handshake_done();
    // Whatever is still in flight (or waiting for a retry) is lost.
    const std::size_t lost = reqs_.size() + retry_.size();
    if (lost && !stopped_) {
      if (timed_out_) cs_.st.error(ErrorKind::timeout);
      else if (ok) cs_.st.error(ErrorKind::reset);
    }
    if (stopped_) cs_.cut(lost);
    else cs_.lose(lost);
    reqs_.clear();
    retry_.clear();
    co_return ok;
  }

  bool reached_server() const { return conn_.bytes_received() > 0; }
  // Whether it was held (counted by the hold; it will not be counted again).
  bool held() const { return hold_entered_; }
  const std::string& error() const { return conn_.error(); }

  void on_handshake(const qc::HandshakeInfo& i) override {
    ThreadStats& st = cs_.st;
    ++st.connections_opened;
    st.tls.record(std::uint64_t(i.time.count()));
    if (i.resumed) ++st.resumed;
    if (i.early_data_attempted) ++st.zero_rtt_attempted;
    if (i.early_data_accepted) ++st.zero_rtt_accepted;
    if (cs_.protocol.empty()) cs_.protocol = "h3";
  }

  void on_response_head(std::int64_t id, int status) override {
    auto it = reqs_.find(id);
    if (it == reqs_.end()) return;
    it->second.status = status;
    if (it->second.r.first_byte == time_point{}) it->second.r.first_byte = clock_type::now();
  }

  void on_data(std::int64_t id, std::size_t n) override {
    auto it = reqs_.find(id);
    if (it != reqs_.end()) it->second.body += n;
  }

  void on_close(std::int64_t id, std::uint64_t code) override {
    auto it = reqs_.find(id);
    if (it == reqs_.end()) return;
    if (code == qc::kEarlyDataRejected) {
      InFlight r = it->second.r;
      r.first_byte = {};
      retry_.push_back(r);  // resubmitted after the handshake
    } else if (code == 0 && it->second.status != 0) {
      cs_.complete(it->second.r, clock_type::now(), it->second.status, it->second.body);
    } else {
      cs_.st.error(ErrorKind::reset);
      cs_.lose(1);
    }
    reqs_.erase(it);
  }

  // Called by the connection outside the QUIC/HTTP/3 callbacks: start what
  // may start now, or end the connection when there is nothing left to do.
  void on_writable() override {
    if (held_) return;  // idle until the hold ends (watchdog())
    if (reqs_.empty() && retry_.empty() &&
        (!cs_.more(clock_type::now()) || conn_.goaway_received())) {
      if (cs_.g.hold && !cs_.more(clock_type::now()) && !conn_.goaway_received() && !stopped_) {
        held_ = true;  // --hold: stays open; the watchdog waits for the release, then closes
        tick_.cancel();
        return;
      }
      conn_.close();  // done, or GOAWAY: the caller reconnects if work is left
      return;
    }
    if (top_up()) conn_.flush();
  }

 private:
  struct Req {
    InFlight r;
    int status = 0;
    std::uint64_t body = 0;
  };

  bool top_up() {
    const std::size_t limit = cs_.g.opt.streams ? cs_.g.opt.streams : 1;
    bool any = false;
    while (reqs_.size() < limit && conn_.can_submit()) {
      std::optional<InFlight> r;
      if (!retry_.empty()) {
        r = retry_.front();
        retry_.pop_front();
      } else {
        r = cs_.take(clock_type::now());
      }
      if (!r) break;
      const std::int64_t id = conn_.submit(views_[r->path], cs_.g.body);
      if (id < 0) {
        cs_.lose(1);
        cs_.st.error(ErrorKind::protocol);
        break;
      }
      reqs_.emplace(id, Req{*r, 0, 0});
      any = true;
    }
    return any;
  }

  time_point oldest() const {
    time_point o = time_point::max();
    for (auto& [id, q] : reqs_) o = std::min(o, q.r.start);
    return o;
  }

  void account_bytes(bool final) {
    const std::uint64_t total = conn_.bytes_received();
    if (final || cs_.measuring(clock_type::now())) cs_.st.bytes_read += total - bytes_seen_;
    bytes_seen_ = total;
  }

  asio::awaitable<void> watchdog() {
    const RunShared& g = cs_.g;
    while (!done_) {
      tick_.expires_after(std::chrono::milliseconds(50));
      co_await tick_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (done_) break;
      if (held_) {
        hold_entered_ = true;
        co_await g.hold->held(cs_.index % g.opt.threads);
        if (!done_) conn_.close();  // it may have ended meanwhile (the server's idle timeout)
        break;
      }
      account_bytes(false);
      const auto now = clock_type::now();
      if (now >= g.deadline || g.stop.load(std::memory_order_relaxed)) {
        stopped_ = true;
        conn_.close();
        break;
      }
      const time_point o = oldest();
      if (o != time_point::max() && now - o > g.timeout) {
        timed_out_ = true;
        conn_.close();
        break;
      }
    }
  }

  asio::awaitable<void> issuer() {
    while (!done_) {
      auto next = cs_.next_intended();
      if (!next || !cs_.more(clock_type::now())) co_return;
      const auto now = clock_type::now();
      issue_timer_.expires_at(*next > now ? *next : now + std::chrono::milliseconds(1));
      co_await issue_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (done_) co_return;
      if (top_up()) conn_.flush();
    }
  }

  ConnState& cs_;
  qc::ClientConn conn_;
  asio::steady_timer tick_;
  asio::steady_timer issue_timer_;
  std::vector<std::vector<std::pair<std::string_view, std::string_view>>> views_;
  std::unordered_map<std::int64_t, Req> reqs_;
  std::deque<InFlight> retry_;
  std::uint64_t bytes_seen_ = 0;
  bool done_ = false;
  bool held_ = false;          // done and --hold: idle until the release
  bool hold_entered_ = false;  // ... and counted by the hold (watchdog())
  bool stopped_ = false;
  bool timed_out_ = false;
};

}  // namespace

asio::awaitable<void> run_connection_h3(ConnState& cs) {
  const RunShared& g = cs.g;  // --ramp: run_connection() waited before calling this
  auto ex = co_await asio::this_coro::executor;
  qc::ClientTls& tls = *g.quic_tls[cs.index % g.quic_tls.size()];
  qc::ClientOptions o;
  o.sni = g.target.host;
  o.handshake_timeout = std::chrono::nanoseconds(std::int64_t(g.opt.connect_timeout_s * 1e9));
  int failures = 0;
  HoldGuard hold_part(g.hold);  // --hold: an end without being held still counts
  while (cs.more(clock_type::now())) {
    const auto& tep = g.endpoints[std::size_t(failures) % g.endpoints.size()];
    const asio::ip::udp::endpoint ep(tep.address(), tep.port());
    H3Conn c(cs, ex, o, tls);
    const bool ok = co_await c.run(ep);
    if (c.held()) hold_part.mark_held();
    if (ok) {
      failures = 0;
      continue;
    }
    cs.st.error(c.reached_server() ? ErrorKind::tls : ErrorKind::connect);
    if (++failures >= 3) {
      cs.abandon();
      co_return;
    }
    asio::steady_timer backoff(ex, std::chrono::milliseconds(20 * failures));
    co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace strata::tools::load

// HTTP/2 connection driver for the load tool: up to -m concurrent streams
// (bounded by the server's SETTINGS_MAX_CONCURRENT_STREAMS). A reader feeds
// the session, a writer drains it, and in open-loop mode an issuer starts
// requests at their intended times.
#include <algorithm>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/load/client_protocol.hpp"
#include "tools/load/h2_client_session.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;

namespace {

class H2Conn final : public H2ClientSession::Listener {
 public:
  struct Req {
    InFlight r;
    int status = 0;
    std::uint64_t body = 0;
  };

  H2Conn(ConnState& cs, std::shared_ptr<ConnRuntime> rt)
      : cs_(cs), rt_(std::move(rt)), sess_(*this, {}), wake_(rt_->transport->get_executor()),
        issue_timer_(rt_->transport->get_executor()) {
    views_.resize(cs.g.h2_headers.size());
    for (std::size_t i = 0; i < views_.size(); ++i)
      for (auto& [n, v] : cs.g.h2_headers[i]) views_[i].emplace_back(n, v);
    reqs_.reserve(256);
  }

  void on_response_head(std::int32_t stream, int status) override {
    auto it = reqs_.find(stream);
    if (it == reqs_.end()) return;
    it->second.status = status;
    if (it->second.r.first_byte == time_point{}) it->second.r.first_byte = clock_type::now();
  }
  void on_data(std::int32_t stream, std::size_t n) override {
    auto it = reqs_.find(stream);
    if (it != reqs_.end()) it->second.body += n;
  }
  void on_close(std::int32_t stream, std::uint32_t code) override {
    auto it = reqs_.find(stream);
    if (it == reqs_.end()) return;
    if (code == 0 && it->second.status != 0) {
      cs_.complete(it->second.r, clock_type::now(), it->second.status, it->second.body);
    } else {
      cs_.st.error(ErrorKind::reset);
      cs_.lose(1);
    }
    reqs_.erase(it);
  }

  // Starts every request allowed now; returns whether any was submitted.
  bool top_up() {
    if (sess_.goaway_received()) return false;
    const std::size_t limit =
        std::min<std::size_t>(cs_.g.opt.streams ? cs_.g.opt.streams : 1, sess_.remote_max_streams());
    bool any = false;
    while (reqs_.size() < limit) {
      auto r = cs_.take(clock_type::now());
      if (!r) break;
      auto& hv = views_[r->path];
      const std::int32_t id = sess_.submit(hv, cs_.g.body);
      if (id < 0) {
        cs_.lose(1);
        cs_.st.error(ErrorKind::protocol);
        break;
      }
      reqs_.emplace(id, Req{*r, 0, 0});
      any = true;
    }
    update_oldest();
    return any;
  }

  void update_oldest() {
    time_point o = time_point::max();
    for (auto& [id, q] : reqs_) o = std::min(o, q.r.start);
    rt_->oldest = o;
  }

  void kick() { wake_.cancel(); }

  asio::awaitable<void> writer() {
    std::string out;
    out.reserve(64 * 1024);
    while (!rt_->done) {
      out.clear();
      if (!sess_.drain(out)) {
        fail(ErrorKind::protocol);
        co_return;
      }
      if (out.empty()) {
        wake_.expires_at(time_point::max());
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      auto ec = co_await rt_->transport->write(out);
      if (ec) {
        fail(rt_->timed_out ? ErrorKind::timeout : ErrorKind::reset);
        co_return;
      }
    }
  }

  asio::awaitable<void> issuer() {
    while (!rt_->done) {
      auto next = cs_.next_intended();
      if (!next || !cs_.more(clock_type::now())) co_return;
      const auto now = clock_type::now();
      // When all streams are busy, re-check after a short pause; completions
      // also top up from the reader.
      issue_timer_.expires_at(*next > now ? *next : now + std::chrono::milliseconds(1));
      co_await issue_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (rt_->done) co_return;
      if (top_up()) kick();
    }
  }

  asio::awaitable<void> reader() {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      if (reqs_.empty() && (!cs_.more(clock_type::now()) || sess_.goaway_received())) co_return;
      auto [ec, n] = co_await rt_->transport->read_some(std::span<char>(buf.data(), buf.size()));
      if (ec) {
        fail(rt_->timed_out ? ErrorKind::timeout : ErrorKind::reset);
        co_return;
      }
      const auto now = clock_type::now();
      if (cs_.measuring(now)) cs_.st.bytes_read += n;
      if (!sess_.feed(std::span<const char>(buf.data(), n))) {
        fail(ErrorKind::protocol);
        co_return;
      }
      top_up();
      update_oldest();
      kick();
    }
  }

  // Loses every in-flight request; counts an error unless the run ended.
  void fail(ErrorKind k) {
    if (failed_) return;
    failed_ = true;
    if (!reqs_.empty() && !rt_->stopped) cs_.st.error(k);
    if (rt_->stopped) cs_.cut(reqs_.size());
    else cs_.lose(reqs_.size());
    reqs_.clear();
    rt_->transport->close();
  }

  void finish() {
    rt_->done = true;
    wake_.cancel();
    issue_timer_.cancel();
    if (!failed_) {
      if (rt_->stopped) cs_.cut(reqs_.size());
      else cs_.lose(reqs_.size());
      reqs_.clear();
    }
  }

  ConnState& cs_;
  std::shared_ptr<ConnRuntime> rt_;
  H2ClientSession sess_;
  asio::steady_timer wake_;
  asio::steady_timer issue_timer_;
  std::vector<std::vector<std::pair<std::string_view, std::string_view>>> views_;
  std::unordered_map<std::int32_t, Req> reqs_;
  bool failed_ = false;
};

}  // namespace

asio::awaitable<void> drive_h2(ConnState& cs, std::shared_ptr<ConnRuntime> rt) {
  auto conn = std::make_shared<H2Conn>(cs, rt);
  auto ex = rt->transport->get_executor();
  // nghttp2 emits the client preface and SETTINGS, then the first requests.
  std::string first;
  conn->top_up();
  if (!conn->sess_.drain(first)) co_return;
  if (auto ec = co_await rt->transport->write(first); ec) {
    conn->fail(ErrorKind::reset);
    conn->finish();
    co_return;
  }
  asio::co_spawn(ex, [conn]() -> asio::awaitable<void> { co_await conn->writer(); },
                 asio::detached);
  if (cs.next_intended())
    asio::co_spawn(ex, [conn]() -> asio::awaitable<void> { co_await conn->issuer(); },
                   asio::detached);
  co_await conn->reader();
  conn->finish();
}

}  // namespace strata::tools::load

// HTTP/2 connection driver for the load tool over codec::http2::ClientSession
// (the upstream pool's client, in discard mode: bodies counted, not kept):
// up to -m concurrent streams (bounded by the server's
// SETTINGS_MAX_CONCURRENT_STREAMS). A reader feeds
// the session, a writer drains it, and in open-loop mode an issuer starts
// requests at their intended times.
#include <algorithm>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/load/client_protocol.hpp"
#include "codec/http2/client_session.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;

namespace {

class H2Conn final : public codec::http2::ClientEvents {
 public:
  struct Req {
    InFlight r;
  };
  // One path's request, built once: pseudo-headers and the other fields.
  struct Prepared {
    std::string_view method, scheme, authority, path;
    http::Headers fields;
  };

  static codec::http2::ClientLimits limits() {
    codec::http2::ClientLimits l;
    l.initial_window = 1u << 24;      // per stream
    l.connection_window = 1u << 30;   // whole connection
    l.max_header_bytes = 64 * 1024;
    l.max_headers = 1000;
    return l;
  }

  H2Conn(ConnState& cs, std::shared_ptr<ConnRuntime> rt)
      : cs_(cs), rt_(std::move(rt)), sess_(limits(), *this), wake_(rt_->transport->get_executor()),
        issue_timer_(rt_->transport->get_executor()) {
    sess_.set_discard_responses(true);
    sess_.start();
    prepared_.resize(cs.g.h2_headers.size());
    for (std::size_t i = 0; i < prepared_.size(); ++i) {
      auto& p = prepared_[i];
      for (auto& [n, v] : cs.g.h2_headers[i]) {
        if (n == ":method") p.method = v;
        else if (n == ":scheme") p.scheme = v;
        else if (n == ":authority") p.authority = v;
        else if (n == ":path") p.path = v;
        else p.fields.add(n, v);
      }
    }
    reqs_.reserve(256);
  }

  // ClientEvents: called from receive()/send(); a closed stream is released
  // after receive() returns (releasing it here would free it under nghttp2).
  void on_stream_wake(codec::http2::ClientStreamId sid, void*) override {
    auto it = reqs_.find(sid);
    if (it == reqs_.end()) return;
    const auto* s = sess_.find(sid);
    if (!s) return;
    if (s->head_done && it->second.r.first_byte == time_point{}) it->second.r.first_byte = clock_type::now();
    if (s->closed) closed_.push_back(sid);
  }
  void on_goaway(codec::http2::ClientStreamId, std::uint32_t) override {}
  void on_settings() override {}

  // Accounts the streams that closed during the last receive()/send().
  void reap() {
    for (const auto sid : closed_) {
      auto it = reqs_.find(sid);
      const auto* s = sess_.find(sid);
      if (it == reqs_.end() || !s) continue;
      if (s->close_code == 0 && s->head_done && s->ended) {
        cs_.complete(it->second.r, clock_type::now(), s->response.status, s->discarded);
      } else {
        cs_.st.error(ErrorKind::reset);
        cs_.lose(1);
      }
      reqs_.erase(it);
      sess_.release(sid);
    }
    closed_.clear();
  }

  // Starts every request allowed now; returns whether any was submitted.
  bool top_up() {
    if (sess_.goaway_received() || sess_.failed()) return false;
    const std::size_t limit =
        std::min<std::size_t>(cs_.g.opt.streams ? cs_.g.opt.streams : 1, sess_.peer_max_concurrent());
    bool any = false;
    const std::string& body = cs_.g.body;
    while (reqs_.size() < limit) {
      auto r = cs_.take(clock_type::now());
      if (!r) break;
      const auto& p = prepared_[r->path];
      const auto id = sess_.submit_request(p.method, p.scheme, p.authority, p.path, p.fields,
                                           body.empty(), this);
      if (id <= 0 || (!body.empty() && !sess_.submit_data(id, body, true))) {
        cs_.lose(1);
        cs_.st.error(ErrorKind::protocol);
        break;
      }
      reqs_.emplace(id, Req{*r});
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

  // Appends every frame ready to send to `out`.
  bool drain(std::string& out) {
    while (sess_.want_write()) {
      const std::size_t before = out.size();
      if (!sess_.send(out, 256 * 1024)) return false;
      if (out.size() == before) break;
    }
    reap();
    return true;
  }

  asio::awaitable<void> writer() {
    std::string out;
    out.reserve(64 * 1024);
    while (!rt_->done) {
      out.clear();
      if (!drain(out)) {
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
      // nghttp2 answers bad input with GOAWAY: once that went out the
      // session reads nothing more.
      if (!sess_.want_read() && !sess_.goaway_received()) {
        fail(ErrorKind::protocol);
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
      const bool ok = sess_.receive(std::span<const char>(buf.data(), n));
      reap();
      if (!ok) {
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
  codec::http2::ClientSession sess_;
  asio::steady_timer wake_;
  asio::steady_timer issue_timer_;
  std::vector<Prepared> prepared_;
  std::unordered_map<std::int32_t, Req> reqs_;
  std::vector<codec::http2::ClientStreamId> closed_;
  bool failed_ = false;
};

}  // namespace

asio::awaitable<void> drive_h2(ConnState& cs, std::shared_ptr<ConnRuntime> rt) {
  auto conn = std::make_shared<H2Conn>(cs, rt);
  auto ex = rt->transport->get_executor();
  // nghttp2 emits the client preface and SETTINGS, then the first requests.
  std::string first;
  conn->top_up();
  if (!conn->drain(first)) co_return;
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

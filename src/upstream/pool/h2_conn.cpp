#include "upstream/pool/h2_conn.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "obs/metrics.hpp"

namespace strata::upstream::pool {

namespace asio = boost::asio;
namespace h2 = codec::http2;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadBuffer = 32 * 1024;
}  // namespace

StreamWaker::StreamWaker(const asio::any_io_executor& ex) : t_(ex) {}

void StreamWaker::notify() {
  pending_ = true;
  t_.cancel();
  if (also) also->notify();
}

asio::awaitable<void> StreamWaker::wait() {
  if (!pending_) {
    t_.expires_at(Clock::time_point::max());
    co_await t_.async_wait(use_tuple);
  }
  pending_ = false;
}

H2Conn::H2Conn(std::unique_ptr<io::Transport> t, const H2ConnOptions& opt)
    : t_(std::move(t)),
      opt_(opt),
      session_(opt.limits, *this),
      writer_timer_(t_->get_executor()),
      idle_timer_(t_->get_executor()),
      idle_since_(Clock::now()) {}

H2Conn::~H2Conn() { set_gauge(GaugeState::none); }

void H2Conn::start() {
  if (started_) return;
  started_ = true;
  session_.start();
  set_gauge(GaugeState::idle);
  auto ex = t_->get_executor();
  asio::co_spawn(ex, reader(shared_from_this()), asio::detached);
  asio::co_spawn(ex, writer(shared_from_this()), asio::detached);
  asio::co_spawn(ex, watchdog(shared_from_this()), asio::detached);
}

std::uint32_t H2Conn::capacity() const {
  return std::max<std::uint32_t>(1, std::min(opt_.max_streams, session_.peer_max_concurrent()));
}

h2::ClientStreamId H2Conn::open(const UpstreamRequest& req, bool end_stream, StreamWaker* w) {
  if (!has_room()) return 0;
  const std::string_view path = req.target.empty() ? std::string_view("/") : req.target;
  const auto sid = session_.submit_request(req.method, req.scheme, req.authority, path,
                                           req.headers, end_stream, w);
  if (sid <= 0) return 0;
  ++active_;
  live_.push_back(w);
  set_gauge(GaugeState::busy);
  idle_timer_.cancel();
  kick();
  return sid;
}

void H2Conn::finish(h2::ClientStreamId sid, StreamWaker* w) {
  session_.release(sid);
  auto it = std::find(live_.begin(), live_.end(), w);
  if (it != live_.end()) live_.erase(it);
  if (active_ > 0) --active_;
  if (active_ == 0) {
    idle_since_ = Clock::now();
    if (!dead_) set_gauge(GaugeState::idle);
    idle_timer_.cancel();
  }
  kick();
  changed();
}

void H2Conn::kick() { writer_timer_.cancel(); }

void H2Conn::close() { mark_dead(); }

void H2Conn::on_stream_wake(h2::ClientStreamId, void* user) {
  static_cast<StreamWaker*>(user)->notify();
}

void H2Conn::on_goaway(h2::ClientStreamId, std::uint32_t) { changed(); }

void H2Conn::on_settings() { changed(); }

void H2Conn::on_error(const char* kind) {
  obs::counter("strata_http2_client_errors_total",
               "Upstream HTTP/2 sessions/streams failed on bad input, by kind", {{"kind", kind}})
      .inc();
}

void H2Conn::changed() {
  if (on_change) on_change();
}

void H2Conn::set_gauge(GaugeState s) {
  if (s == gauge_) return;
  auto* from = gauge_ == GaugeState::idle ? opt_.idle_gauge
               : gauge_ == GaugeState::busy ? opt_.busy_gauge
                                            : nullptr;
  auto* to = s == GaugeState::idle ? opt_.idle_gauge
             : s == GaugeState::busy ? opt_.busy_gauge
                                     : nullptr;
  if (from) from->sub();
  if (to) to->add();
  gauge_ = s;
}

void H2Conn::mark_dead() {
  if (dead_) return;
  dead_ = true;
  t_->close();
  writer_timer_.cancel();
  idle_timer_.cancel();
  set_gauge(GaugeState::none);
  const auto wakers = live_;
  for (auto* w : wakers) w->notify();
  changed();
}

asio::awaitable<void> H2Conn::reader(std::shared_ptr<H2Conn> self) {
  std::vector<char> buf(kReadBuffer);
  while (!dead_) {
    if (!session_.want_read() && !session_.want_write()) break;
    auto [ec, n] = co_await t_->read_some(std::span<char>(buf.data(), buf.size()));
    if (ec || dead_) break;
    const bool ok = session_.receive(std::span<const char>(buf.data(), n));
    kick();
    if (!ok) break;
  }
  mark_dead();
}

asio::awaitable<void> H2Conn::writer(std::shared_ptr<H2Conn> self) {
  while (!dead_) {
    out_.clear();
    if (!session_.send(out_, opt_.write_batch)) {
      mark_dead();
      break;
    }
    if (out_.empty()) {
      if (!session_.want_read() && !session_.want_write()) {
        // GOAWAY flushed (or session over): close the connection.
        mark_dead();
        break;
      }
      writer_timer_.expires_at(Clock::time_point::max());
      co_await writer_timer_.async_wait(use_tuple);
      continue;
    }
    // Straight into the socket when it has room (no event-loop turn).
    const asio::const_buffer b(out_.data(), out_.size());
    io::Transport::Rest rest;
    boost::system::error_code ec;
    t_->write_some_now(std::span<const asio::const_buffer>(&b, 1), rest, ec);
    if (!ec && rest.n > 0) ec = co_await t_->write(rest.span());
    if (ec) {
      mark_dead();
      break;
    }
  }
}

asio::awaitable<void> H2Conn::watchdog(std::shared_ptr<H2Conn> self) {
  const auto idle = std::chrono::duration_cast<Clock::duration>(opt_.idle_timeout);
  while (!dead_ && !closing_) {
    idle_timer_.expires_at(active_ == 0 ? idle_since_ + idle : Clock::time_point::max());
    co_await idle_timer_.async_wait(use_tuple);
    if (dead_) break;
    if (active_ == 0 && Clock::now() - idle_since_ >= idle) {
      // Idle: GOAWAY(NO_ERROR); the writer closes once it is out.
      closing_ = true;
      session_.shutdown();
      kick();
      changed();
      break;
    }
  }
}

}  // namespace strata::upstream::pool

#include "upstream/pool/h1_pool.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "obs/metrics.hpp"

namespace strata::upstream::pool {

bool looks_stale(io::Transport& t) {
  if (!t.is_open()) return true;
  char c;
  const auto n = ::recv(t.lowest_layer().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;                                        // FIN from the peer
  if (n < 0) return !(errno == EAGAIN || errno == EWOULDBLOCK);   // reset etc.
  return !t.tls();  // TLS may legitimately carry post-handshake records
}

H1Pool::H1Pool(std::uint32_t max_idle, std::chrono::milliseconds idle_timeout,
               obs::Gauge* idle_gauge, std::uint32_t hard_max, obs::Counter* overflow,
               const core::Clock& clock)
    : max_idle_(max_idle),
      idle_timeout_(idle_timeout),
      idle_gauge_(idle_gauge),
      hard_max_(std::max(hard_max, max_idle)),
      overflow_(overflow),
      clock_(clock),
      peak_since_(clock.now()),
      self_(std::make_shared<H1Pool*>(this)) {}

std::shared_ptr<void> H1Pool::lease() {
  ++*live_;
  idle_cap();  // a window that ended restarts before the new count is recorded
  peak_ = std::max(peak_, *live_);
  return std::shared_ptr<void>(nullptr, [live = live_](void*) { --*live; });
}

std::uint32_t H1Pool::idle_cap() {
  const auto window = std::max<std::chrono::milliseconds>(idle_timeout_, std::chrono::seconds(1));
  const auto now = clock_.now();
  if (now - peak_since_ >= window) {
    peak_ = *live_;
    peak_since_ = now;
  }
  return std::min(hard_max_, std::max(max_idle_, peak_));
}

H1Pool::~H1Pool() {
  *self_ = nullptr;
  close();
}

std::unique_ptr<H1Conn> H1Pool::take(bool probe) {
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (idle_gauge_) idle_gauge_->sub();
    if (c->buf.size() == 0 && c->transport->is_open() && (!probe || !looks_stale(*c->transport)))
      return c;
    c->transport->close();
  }
  return nullptr;
}

void H1Pool::put(std::unique_ptr<H1Conn> c) {
  if (closed_ || !c->transport->is_open()) {
    c->transport->close();
    return;
  }
  // Below max_idle nothing else is needed (no clock read on the common path).
  if (idle_.size() >= max_idle_ && idle_.size() >= idle_cap()) {
    if (overflow_) overflow_->inc();
    c->transport->close();
    return;
  }
  c->idle_since = core::LoopClock::steady();  // the loop's time: no clock read per put
  H1Conn* raw = c.get();
  idle_.push_back(std::move(c));
  if (idle_gauge_) idle_gauge_->add();
  // Set for the oldest idle connection; while it is set, a later one
  // expires later. An earlier time left from connections taken since only
  // makes sweep() look once too early.
  if (sweep_armed_) return;
  if (!sweep_timer_) sweep_timer_ = std::make_unique<boost::asio::steady_timer>(raw->transport->get_executor());
  arm_sweep();
}

void H1Pool::arm_sweep() {
  sweep_armed_ = true;
  sweep_timer_->expires_at(idle_.front()->idle_since + idle_timeout_);
  sweep_timer_->async_wait([self = self_](const boost::system::error_code& ec) {
    if (ec || !*self) return;  // cancelled: the pool closed or went away
    (*self)->sweep();
  });
}

void H1Pool::sweep() {
  sweep_armed_ = false;
  const auto now = core::LoopClock::steady();
  std::size_t n = 0;
  while (n < idle_.size() && now - idle_[n]->idle_since >= idle_timeout_) {
    idle_[n]->transport->close();
    if (idle_gauge_) idle_gauge_->sub();
    ++n;
  }
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(n));
  if (!idle_.empty()) arm_sweep();
}

void H1Pool::close() {
  closed_ = true;
  if (sweep_timer_) sweep_timer_->cancel();
  sweep_armed_ = false;
  for (auto& c : idle_) {
    c->transport->close();
    if (idle_gauge_) idle_gauge_->sub();
  }
  idle_.clear();
}

}  // namespace strata::upstream::pool

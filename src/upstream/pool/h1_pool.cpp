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
    c->idle_timer.cancel();
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
  H1Conn* raw = c.get();
  idle_.push_back(std::move(c));
  if (idle_gauge_) idle_gauge_->add();
  raw->idle_timer.expires_at(core::LoopClock::steady() + idle_timeout_);  // no clock read per put
  raw->idle_timer.async_wait([self = self_, raw](const boost::system::error_code& ec) {
    if (ec || !*self) return;  // taken, pool gone, or closed
    (*self)->erase(raw);
  });
}

void H1Pool::erase(H1Conn* c) {
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (it->get() != c) continue;
    (*it)->transport->close();
    idle_.erase(it);
    if (idle_gauge_) idle_gauge_->sub();
    return;
  }
}

void H1Pool::close() {
  closed_ = true;
  for (auto& c : idle_) {
    c->idle_timer.cancel();
    c->transport->close();
    if (idle_gauge_) idle_gauge_->sub();
  }
  idle_.clear();
}

}  // namespace strata::upstream::pool

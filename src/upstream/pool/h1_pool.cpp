#include "upstream/pool/h1_pool.hpp"

#include <sys/socket.h>

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
               obs::Gauge* idle_gauge)
    : max_idle_(max_idle),
      idle_timeout_(idle_timeout),
      idle_gauge_(idle_gauge),
      self_(std::make_shared<H1Pool*>(this)) {}

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
  if (closed_ || idle_.size() >= max_idle_ || !c->transport->is_open()) {
    c->transport->close();
    return;
  }
  H1Conn* raw = c.get();
  idle_.push_back(std::move(c));
  if (idle_gauge_) idle_gauge_->add();
  raw->idle_timer.expires_after(idle_timeout_);
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

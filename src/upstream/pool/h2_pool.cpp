#include "upstream/pool/h2_pool.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace strata::upstream::pool {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

H2Pool::H2Pool(asio::any_io_executor ex, const H2ConnOptions& opt, std::uint32_t max_connections)
    : ex_(std::move(ex)),
      opt_(opt),
      max_connections_(std::max<std::uint32_t>(1, max_connections)),
      self_(std::make_shared<H2Pool*>(this)) {}

H2Pool::~H2Pool() {
  *self_ = nullptr;
  close();
}

void H2Pool::notify_all() {
  for (auto* t : waiters_) t->cancel();
}

void H2Pool::prune() {
  std::erase_if(conns_, [](const std::shared_ptr<H2Conn>& c) {
    if (c->usable()) return false;
    if (c->active() == 0) c->close();
    return true;
  });
}

void H2Pool::close() {
  closed_ = true;
  for (auto& c : conns_) {
    c->on_change = nullptr;
    if (c->active() == 0) c->close();
  }
  conns_.clear();
  notify_all();
}

asio::awaitable<H2Pool::Lease> H2Pool::acquire(const std::vector<asio::ip::tcp::endpoint>& addrs,
                                               const ConnectOptions& co, bool require_h2,
                                               Clock::time_point deadline, const H2Conn* avoid) {
  Lease out;
  std::uint64_t failures_seen = connect_failures_;
  // Each pass either returns or waits for a change; bounded by `deadline`.
  for (;;) {
    if (closed_) {
      out.ec = asio::error::operation_aborted;
      co_return out;
    }
    prune();
    // Fill the busiest connection first so idle ones can expire.
    std::shared_ptr<H2Conn> best;
    for (auto& c : conns_)
      if (c.get() != avoid && c->has_room() && (!best || c->active() > best->active())) best = c;
    if (best) {
      out.conn = std::move(best);
      co_return out;
    }
    // A connect attempt we waited for failed: share its error.
    if (connect_failures_ != failures_seen && connecting_ == 0) {
      out.ec = last_error_;
      out.connect_failed = true;
      co_return out;
    }
    if (connecting_ == 0 && conns_.size() < max_connections_) {
      ++connecting_;
      auto r = co_await connect_endpoint(ex_, addrs, co);
      --connecting_;
      if (!r.ec && require_h2 && r.transport->tls() && r.transport->alpn() != "h2") {
        r.transport->close();
        r.ec = make_error_code(boost::system::errc::protocol_not_supported);
      }
      if (r.ec) {
        ++connect_failures_;
        last_error_ = r.ec;
        notify_all();
        out.ec = r.ec;
        out.connect_failed = true;
        co_return out;
      }
      auto c = std::make_shared<H2Conn>(std::move(r.transport), opt_);
      c->on_change = [self = self_] {
        if (*self) (*self)->notify_all();
      };
      c->start();
      ++opened_;
      if (closed_) {
        c->close();
        out.ec = asio::error::operation_aborted;
        co_return out;
      }
      conns_.push_back(c);
      notify_all();
      out.conn = std::move(c);
      co_return out;
    }
    if (Clock::now() >= deadline) {
      out.ec = asio::error::timed_out;
      co_return out;
    }
    asio::steady_timer t(ex_, deadline);
    waiters_.push_back(&t);
    auto it = std::prev(waiters_.end());
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    waiters_.erase(it);
  }
}

}  // namespace strata::upstream::pool

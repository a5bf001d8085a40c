#include "cache/coalescer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace strata::cache {

struct Coalescer::Waiter {
  explicit Waiter(boost::asio::any_io_executor ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  bool released = false;  // touched on the timer's executor only
};

Coalescer& Coalescer::instance() {
  static Coalescer c;
  return c;
}

std::uint64_t Coalescer::try_lead(std::string_view key) {
  std::lock_guard lk(mu_);
  auto [it, fresh] = entries_.try_emplace(std::string(key));
  if (!fresh) return 0;
  it->second.lead = next_++;
  return it->second.lead;
}

boost::asio::awaitable<Coalescer::Ticket> Coalescer::join(std::string_view key,
                                                          boost::asio::any_io_executor ex,
                                                          std::chrono::milliseconds timeout) {
  Ticket t;
  std::shared_ptr<Waiter> w;
  {
    std::lock_guard lk(mu_);
    auto [it, fresh] = entries_.try_emplace(std::string(key));
    if (fresh) {
      it->second.lead = next_++;
      t.lead = it->second.lead;
      co_return t;
    }
    w = std::make_shared<Waiter>(ex);
    w->timer.expires_after(timeout);
    it->second.waiters.push_back(w);
  }
  // release() posts the cancel onto `ex`, so it runs after this wait starts.
  (void)co_await w->timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  t.waited = true;
  t.timed_out = !w->released;
  co_return t;
}

void Coalescer::release(std::string_view key, std::uint64_t lead) {
  if (lead == 0) return;
  std::vector<std::shared_ptr<Waiter>> ws;
  {
    std::lock_guard lk(mu_);
    auto it = entries_.find(std::string(key));
    if (it == entries_.end() || it->second.lead != lead) return;
    ws = std::move(it->second.waiters);
    entries_.erase(it);
  }
  for (auto& w : ws) {
    auto ex = w->timer.get_executor();
    boost::asio::post(ex, [w] {
      w->released = true;
      w->timer.cancel();
    });
  }
}

std::size_t Coalescer::leading() const {
  std::lock_guard lk(mu_);
  return entries_.size();
}

}  // namespace strata::cache

#include "tools/load/hold.hpp"

#include <cstdio>
#include <fstream>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace strata::tools::load {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

HoldState::HoldState(const std::vector<asio::io_context*>& ios, unsigned connections, double hold_s,
                     std::string ready_file)
    : ios_(ios),
      connections_(connections),
      hold_(std::chrono::nanoseconds(std::int64_t(hold_s * 1e9))),
      ready_file_(std::move(ready_file)) {
  for (auto* io : ios_) {
    timers_.push_back(std::make_unique<asio::steady_timer>(*io));
    timers_.back()->expires_at(steady::time_point::max());
  }
}

asio::awaitable<void> HoldState::held(unsigned thread) {
  asio::steady_timer& t = *timers_[thread % timers_.size()];
  arrived(true);
  // expires_at() on release cancels this wait; then the new expiry counts.
  while (steady::now().time_since_epoch().count() < release_ns_.load())
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

void HoldState::done_unheld() { arrived(false); }

void HoldState::arrived(bool is_held) {
  if (is_held) held_.fetch_add(1);
  if (arrived_.fetch_add(1) + 1 != connections_) return;
  if (!ready_file_.empty()) {
    // Written whole, then renamed: a reader never sees half of it.
    const std::string tmp = ready_file_ + ".tmp";
    {
      std::ofstream f(tmp);
      f << held_.load() << " held\n";
    }
    std::rename(tmp.c_str(), ready_file_.c_str());
  }
  release_at(steady::now() + hold_);
}

void HoldState::release_at(steady::time_point at) {
  release_ns_.store(at.time_since_epoch().count());
  for (std::size_t i = 0; i < ios_.size(); ++i)
    asio::post(*ios_[i], [this, i, at] { timers_[i]->expires_at(at); });
}

}  // namespace strata::tools::load

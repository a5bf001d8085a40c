#include "hub/timer_wheel.hpp"

#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"

namespace strata::hub {

struct TimerWheel::Impl {
  explicit Impl(const boost::asio::any_io_executor& ex) : timer(ex) {}
  boost::asio::steady_timer timer;
  bool armed = false;
};

void WheelNode::unlink() {
  if (!wheel_) return;
  prev_->next_ = next_;
  next_->prev_ = prev_;
  prev_ = next_ = nullptr;
  TimerWheel* w = wheel_;
  wheel_ = nullptr;
  w->on_unlink();
}

TimerWheel::TimerWheel(const boost::asio::any_io_executor& ex, const core::Clock* clock,
                       std::chrono::milliseconds tick, std::size_t slots)
    : clock_(clock ? clock : &core::SteadyClock::instance()),
      tick_(tick.count() > 0 ? tick : std::chrono::milliseconds(1)),
      heads_(std::make_unique<WheelNode[]>(slots ? slots : 1)),
      slots_(slots ? slots : 1),
      impl_(std::make_unique<Impl>(ex)) {
  for (std::size_t i = 0; i < slots_; ++i) heads_[i].prev_ = heads_[i].next_ = &heads_[i];
  cursor_ = now_tick();
}

TimerWheel::~TimerWheel() {
  // Detach what is still scheduled so the nodes' destructors do not touch us.
  for (std::size_t i = 0; i < slots_; ++i) {
    WheelNode* h = &heads_[i];
    while (h->next_ != h) h->next_->unlink();
  }
}

std::uint64_t TimerWheel::now_tick() const {
  auto ns = clock_->now().time_since_epoch();
  return std::uint64_t(ns / tick_);
}

void TimerWheel::schedule(WheelNode& n, std::chrono::milliseconds after) {
  n.unlink();
  std::uint64_t ticks = after.count() <= 0 ? 1 : std::uint64_t((after + tick_ - std::chrono::milliseconds(1)) / tick_);
  if (ticks == 0) ticks = 1;
  n.due_ = std::max(now_tick(), cursor_) + ticks;
  link_before(&heads_[n.due_ % slots_], &n);
  n.wheel_ = this;
  ++count_;
  arm();
}

std::size_t TimerWheel::poll() {
  std::uint64_t now = now_tick();
  if (cursor_ > now) return 0;
  std::uint64_t first = cursor_;
  std::uint64_t last = now;
  if (last - first >= slots_) first = last - slots_ + 1;  // every slot once
  // Collect the due nodes first: callbacks may schedule or cancel anything.
  WheelNode due;
  due.prev_ = due.next_ = &due;
  for (std::uint64_t t = first; t <= last; ++t) {
    WheelNode* h = &heads_[t % slots_];
    for (WheelNode* n = h->next_; n != h;) {
      WheelNode* next = n->next_;
      if (n->due_ <= now) {
        n->prev_->next_ = n->next_;
        n->next_->prev_ = n->prev_;
        link_before(&due, n);
      }
      n = next;
    }
  }
  cursor_ = now + 1;
  std::size_t fired = 0;
  while (due.next_ != &due) {
    WheelNode* n = due.next_;
    n->unlink();
    ++fired;
    if (n->fn_) n->fn_(n->arg_);
  }
  return fired;
}

void TimerWheel::arm() {
  if (impl_->armed || count_ == 0) return;
  impl_->armed = true;
  impl_->timer.expires_after(tick_);
  impl_->timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;  // the wheel is gone
    impl_->armed = false;
    poll();
    arm();
  });
}

void TimerWheel::link_before(WheelNode* head, WheelNode* n) {
  n->prev_ = head->prev_;
  n->next_ = head;
  head->prev_->next_ = n;
  head->prev_ = n;
}

}  // namespace strata::hub

#include "io/deadlines.hpp"

#include "core/loop_clock.hpp"
#include <atomic>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/frame_allocator.hpp"

namespace strata::io {

namespace asio = boost::asio;

namespace {
// Bumped whenever a list goes away, so a per-thread cached lookup of a
// destroyed context (whose address a new context may reuse) is redone.
std::atomic<std::uint64_t> g_epoch{0};
}  // namespace

// Created in the constructor, so the timer's own service is registered
// before this one and, services being destroyed in reverse order, is still
// there when this timer goes.
struct Deadlines::Timer {
  explicit Timer(asio::io_context& io) : t(io) {}
  asio::steady_timer t;
};

Deadlines::Deadlines(asio::io_context& io)
    : asio::execution_context::service(io), timer_(std::make_unique<Timer>(io)) {}

Deadlines::~Deadlines() { g_epoch.fetch_add(1, std::memory_order_acq_rel); }

Deadlines& Deadlines::of(const asio::any_io_executor& ex) {
  // Every executor in strata is an io_context's (no strands, no pools).
  auto& ctx = static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
  struct Cache {
    asio::io_context* ctx = nullptr;
    Deadlines* list = nullptr;
    std::uint64_t epoch = 0;
  };
  thread_local Cache c;
  const auto epoch = g_epoch.load(std::memory_order_acquire);
  if (c.ctx != &ctx || c.epoch != epoch) c = {&ctx, &asio::use_service<Deadlines>(ctx), epoch};
  return *c.list;
}

void Deadlines::arm(Entry& e, clock::time_point when) {
  cancel(e);
  if (shut_) return;  // the context is going away: nothing will run
  e.when_ = when;
  e.list_ = this;
  // Sorted by expiry, equal ones in arming order; usually one step back.
  Entry* p = tail_;
  while (p && p->when_ > when) p = p->prev_;
  e.prev_ = p;
  e.next_ = p ? p->next_ : head_;
  (e.next_ ? e.next_->prev_ : tail_) = &e;
  (p ? p->next_ : head_) = &e;
  ++size_;
  if (!waiting_ || when < waiting_until_) wait_for(when);
}

void Deadlines::arm_after(Entry& e, clock::duration d) {
  const auto now = core::LoopClock::steady();
  // Saturate: "never" must not wrap into the past.
  arm(e, d >= clock::time_point::max() - now ? clock::time_point::max() : now + d);
}

void Deadlines::cancel(Entry& e) {
  if (e.list_) e.list_->unlink(e);
}

void Deadlines::unlink(Entry& e) {
  (e.prev_ ? e.prev_->next_ : head_) = e.next_;
  (e.next_ ? e.next_->prev_ : tail_) = e.prev_;
  e.prev_ = e.next_ = nullptr;
  e.list_ = nullptr;
  --size_;
}

void Deadlines::wait_for(clock::time_point when) {
  waiting_ = true;
  waiting_until_ = when;
  ++waits_;
  const auto gen = ++gen_;
  // Starting a new wait cancels the one pending (an earlier deadline
  // arrived): that handler then runs with a stale generation and returns.
  timer_->t.expires_at(when);
  timer_->t.async_wait(asio::bind_allocator(
      core::FrameAllocator<void>{}, [this, gen](const boost::system::error_code&) { on_timer(gen); }));
}

void Deadlines::on_timer(std::uint64_t gen) {
  if (gen != gen_ || shut_) return;
  waiting_ = false;
  const auto now = core::LoopClock::steady();
  while (head_ && head_->when_ <= now) {
    Entry& e = *head_;
    unlink(e);
    e.expire();  // may arm or cancel entries (and start a wait)
  }
  // An entry armed from expire() may have started a wait for a time later
  // than the new head's.
  if (head_ && (!waiting_ || head_->when_ < waiting_until_)) wait_for(head_->when_);
}

void Deadlines::shutdown() {
  shut_ = true;
  while (head_) unlink(*head_);  // entries destroyed later cancel nothing
}

}  // namespace strata::io

#include "conn/http1_park_sweeper.hpp"

#include "core/loop_clock.hpp"
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace strata::conn {

namespace asio = boost::asio;

Http1ParkSweeper& Http1ParkSweeper::of(const asio::any_io_executor& ex) {
  return asio::use_service<Http1ParkSweeper>(asio::query(ex, asio::execution::context));
}

void Http1ParkSweeper::add(Parkable& c, const asio::any_io_executor& ex,
                           std::chrono::milliseconds after) {
  if (c.park_listed) return;
  c.idle_since = core::LoopClock::steady();
  c.park_prev = nullptr;
  c.park_next = head_;
  if (head_) head_->park_prev = &c;
  head_ = &c;
  c.park_listed = true;
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(ex);
  after_ = after;
  arm();
}

void Http1ParkSweeper::remove(Parkable& c) {
  if (!c.park_listed) return;
  if (c.park_prev) c.park_prev->park_next = c.park_next;
  else head_ = c.park_next;
  if (c.park_next) c.park_next->park_prev = c.park_prev;
  c.park_prev = c.park_next = nullptr;
  c.park_listed = false;
}

void Http1ParkSweeper::arm() {
  if (armed_ || !timer_) return;
  armed_ = true;
  timer_->expires_after(after_);
  timer_->async_wait([this](boost::system::error_code ec) {
    armed_ = false;
    if (!ec) tick();
  });
}

void Http1ParkSweeper::tick() {
  auto due = core::LoopClock::steady() - after_;
  // request_park only cancels a read (its completion is posted), so the
  // list does not change under this loop.
  for (Parkable* c = head_; c; c = c->park_next)
    if (c->idle_since <= due) c->request_park();
  if (head_) arm();
}

void Http1ParkSweeper::shutdown() {
  // Before the io_context destroys its pending operations (and with them
  // the connections): unlink everyone so no one touches the list later.
  while (head_) remove(*head_);
  timer_.reset();
}

}  // namespace strata::conn

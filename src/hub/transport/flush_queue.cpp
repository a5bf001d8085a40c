#include "hub/transport/flush_queue.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "hub/hub_metrics.hpp"

namespace strata::hub::transport {

FlushQueue::FlushQueue(boost::asio::io_context& ctx) : boost::asio::execution_context::service(ctx), io_(ctx) {}

FlushQueue::~FlushQueue() = default;

FlushQueue& FlushQueue::of(boost::asio::io_context& ctx) { return boost::asio::use_service<FlushQueue>(ctx); }

void FlushQueue::shutdown() {
  // The io_context is going away: its handlers are destroyed, never run.
  list_.clear();
  head_ = 0;
  gen_end_ = kOpen;
}

void FlushQueue::add_raw(std::shared_ptr<void> t, void (*flush)(void*), std::size_t slice) {
  slice_ = std::max<std::size_t>(1, slice);
  if (pending() == 0) {
    gen_start_ = std::chrono::steady_clock::now();  // a generation opens
    gen_end_ = kOpen;
  } else if (gen_end_ != kOpen && list_.size() == gen_end_) {
    next_start_ = std::chrono::steady_clock::now();  // first of the next generation
  }
  list_.push_back(Entry{std::move(t), flush});
  if (!posted_) {
    posted_ = true;
    boost::asio::post(io_, [this] { drain(); });
  }
}

void FlushQueue::drain() {
  // posted_ stays true during the step: add() from a flush (a close frame
  // queued on error) only lists; the step itself posts the next one.
  ++steps_;
  // The open generation takes everything listed before its first step.
  if (gen_end_ == kOpen) gen_end_ = list_.size();
  // Connections listed during this step go after the slice: `end` is
  // fixed first.
  const std::size_t end = std::min(list_.size(), head_ + slice_);
  while (head_ < end) {
    Entry e = std::move(list_[head_]);
    ++head_;
    e.flush(e.target.get());
    if (head_ == gen_end_) {
      // Every connection of the generation is written (or waits for its
      // socket): one fan-out done.
      ++cycles_;
      HubMetrics::get().fanout.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - gen_start_).count());
      gen_start_ = next_start_;  // meaningful only if more is listed
      gen_end_ = kOpen;
    }
  }
  if (head_ < list_.size()) {
    // Reuse the front once more than half of the vector is done.
    if (head_ * 2 >= list_.size()) {
      list_.erase(list_.begin(), list_.begin() + std::ptrdiff_t(head_));
      if (gen_end_ != kOpen) gen_end_ -= head_;
      head_ = 0;
    }
    boost::asio::post(io_, [this] { drain(); });
    return;
  }
  posted_ = false;
  list_.clear();
  head_ = 0;
}

}  // namespace strata::hub::transport

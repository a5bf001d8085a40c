// A bulkhead: caps concurrent requests to one cluster, with a bounded FIFO
// of waiters. Knows nothing of HTTP or I/O: a waiter is a callback invoked
// with `true` when it gets a slot, or `false` when cancelled. The async
// glue (timers for the queue timeout) lives with the caller.
// Not thread-safe: one per worker.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>

namespace strata::upstream::resilience {

struct BulkheadConfig {
  std::uint32_t max_concurrent = 1024;
  std::uint32_t max_pending = 1024;   // 0 = no queue: overflow is immediate
};

class Bulkhead {
 public:
  using Waiter = std::function<void(bool granted)>;
  using WaiterId = std::uint64_t;

  explicit Bulkhead(BulkheadConfig cfg) : cfg_(cfg) {}

  // Takes a slot if one is free.
  bool try_acquire();
  // Queues for a slot; returns 0 when the queue is full (overflow).
  WaiterId enqueue(Waiter w);
  // Removes a queued waiter (timeout); invokes it with false. False if it
  // was not queued any more (it already got its slot).
  bool cancel(WaiterId id);
  // Frees a slot; hands it to the oldest waiter if any.
  void release();

  std::uint32_t active() const { return active_; }
  std::size_t pending() const { return queue_.size(); }
  void reconfigure(BulkheadConfig cfg) { cfg_ = cfg; }
  const BulkheadConfig& config() const { return cfg_; }

 private:
  BulkheadConfig cfg_;
  std::uint32_t active_ = 0;
  WaiterId next_id_ = 1;
  std::deque<std::pair<WaiterId, Waiter>> queue_;
};

}  // namespace strata::upstream::resilience

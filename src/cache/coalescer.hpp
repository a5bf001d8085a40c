// Request coalescing (docs/cache.md, "Coalescing"): process-wide, so
// concurrent misses for one key on any worker wait for the first one (the
// leader). The leader releases the key as soon as it knows whether its
// response will be stored: at once for an uncacheable answer, after the
// insert otherwise; waiters then look the store up again (or go upstream
// themselves after their timeout or an uncacheable answer). Thread-safe;
// a waiter suspends on its own executor.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace strata::cache {

class Coalescer {
 public:
  static Coalescer& instance();

  struct Ticket {
    std::uint64_t lead = 0;  // non-zero: the caller leads; pass it to release()
    bool waited = false;     // the caller waited for a leader
    bool timed_out = false;  // ... and gave up after the timeout
  };

  // Leads `key` when nobody does; else waits on `ex` until the leader
  // releases it or `timeout` passes (then returns without leading).
  boost::asio::awaitable<Ticket> join(std::string_view key, boost::asio::any_io_executor ex,
                                      std::chrono::milliseconds timeout);
  // Leads `key` without waiting; 0 when somebody else leads it.
  std::uint64_t try_lead(std::string_view key);
  // Ends the lead `lead` of `key` (a later lead of the same key is left
  // alone) and wakes its waiters. Idempotent.
  void release(std::string_view key, std::uint64_t lead);

  std::size_t leading() const;  // keys led now (tests)

 private:
  struct Waiter;
  struct Entry {
    std::uint64_t lead = 0;
    std::vector<std::shared_ptr<Waiter>> waiters;
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t next_ = 1;
};

}  // namespace strata::cache

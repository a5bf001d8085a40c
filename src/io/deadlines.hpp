// One-shot deadlines of one execution context (a worker), kept in a list
// sorted by expiry and served by a single Asio timer, like nginx's timer
// tree: arming or cancelling a deadline is a few pointer writes, with no
// Asio timer object, no handler allocation, no reactor lock and no
// service-registry lookup per deadline (a `steady_timer` per upstream try
// cost ~2.5% of the h2 proxy's CPU in those four).
//
// The timer is armed for the earliest deadline only and never re-armed on
// cancel: when it fires it expires what is due and waits for the new head.
// Deadlines of one duration arrive in expiry order, so an insert walks back
// from the tail one step (any order is correct, only slower).
//
// Single-threaded: one context run by one thread (strata's workers); arm,
// cancel and expiry all happen on that thread. An Entry must stay in place
// while armed (it is intrusive) and must be cancelled (or have expired)
// before it is destroyed. Expiry runs on the context, never inside arm().
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

namespace boost::asio {
class io_context;
}

namespace strata::io {

class Deadlines : public boost::asio::execution_context::service {
 public:
  using clock = std::chrono::steady_clock;

  class Entry {
   public:
    Entry() = default;
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    bool armed() const { return list_ != nullptr; }

   protected:
    ~Entry() = default;
    // Runs on the context once the deadline has passed; the entry is
    // already unlinked (it may be armed again from here).
    virtual void expire() = 0;

   private:
    friend class Deadlines;
    clock::time_point when_{};
    Entry* prev_ = nullptr;
    Entry* next_ = nullptr;
    Deadlines* list_ = nullptr;
  };

  static inline boost::asio::execution_context::id id;

  explicit Deadlines(boost::asio::io_context& io);
  ~Deadlines() override;

  // The context's list. `ex` must be an io_context's executor; repeated
  // lookups on one thread are a compare, not a registry lookup.
  static Deadlines& of(const boost::asio::any_io_executor& ex);

  // Arms `e` (re-arms it when already armed) to expire at `when`.
  void arm(Entry& e, clock::time_point when);
  // Arms `e` for `d` from now (a duration too large for the clock: never).
  void arm_after(Entry& e, clock::duration d);
  // Unlinks `e`; a no-op when it is not armed (or already expired).
  static void cancel(Entry& e);

  std::size_t size() const { return size_; }
  // Times the shared timer was started (a wait per new earliest deadline,
  // not per entry): what tests and metrics read.
  std::uint64_t timer_waits() const { return waits_; }

 private:
  struct Timer;
  void shutdown() override;
  void unlink(Entry& e);
  void wait_for(clock::time_point when);
  void on_timer(std::uint64_t gen);

  std::unique_ptr<Timer> timer_;
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
  std::size_t size_ = 0;
  bool waiting_ = false;
  bool shut_ = false;
  clock::time_point waiting_until_{};
  std::uint64_t gen_ = 0;
  std::uint64_t waits_ = 0;
};

}  // namespace strata::io

// A one-shot deadline: runs `on_fire` once when the time is up unless it
// was disarmed (or destroyed) first. Used to bound connects and upstream
// exchanges by closing their transport, which makes pending I/O fail.
// Single-threaded: use on the owning worker's executor.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/frame_allocator.hpp"

namespace strata::upstream::pool {

namespace detail {
// Allocator of the watchdogs' shared state (one fixed-size block: the
// shared_ptr control block with the State in it), recycled through a
// per-thread free list of at most 256 blocks (one per try in flight): arming a watchdog per upstream
// try allocates nothing in the steady state. A block freed on another
// thread joins that thread's list (every block comes from operator new).
template <class T>
struct RecycledAlloc {
  using value_type = T;
  RecycledAlloc() = default;
  template <class U>
  RecycledAlloc(const RecycledAlloc<U>&) {}
  T* allocate(std::size_t n) {
    auto& f = free_list();
    if (n == 1 && !f.empty()) {
      void* p = f.back();
      f.pop_back();
      return static_cast<T*>(p);
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) {
    auto& f = free_list();
    if (n == 1 && f.size() < 256) {
      if (f.capacity() == 0) f.reserve(256);
      f.push_back(p);
      return;
    }
    ::operator delete(p);
  }
  static std::vector<void*>& free_list() {
    thread_local struct List {
      std::vector<void*> v;
      ~List() {
        for (void* p : v) ::operator delete(p);
      }
    } list;
    return list.v;
  }
  template <class U>
  bool operator==(const RecycledAlloc<U>&) const { return true; }
};
}  // namespace detail

class Watchdog {
 public:
  Watchdog(boost::asio::any_io_executor ex, std::chrono::steady_clock::duration d,
           std::function<void()> on_fire)
      : timer_(ex), state_(std::allocate_shared<State>(detail::RecycledAlloc<State>())) {
    state_->on_fire = std::move(on_fire);
    timer_.expires_after(d);
    // The wait's operation comes from the frame pool: one watchdog per
    // upstream try, hundreds in flight, overflowed Asio's own cache.
    timer_.async_wait(boost::asio::bind_allocator(
        core::FrameAllocator<void>{}, [s = state_](const boost::system::error_code& ec) {
          if (ec || !s->armed) return;
          s->armed = false;
          s->fired = true;
          if (s->on_fire) s->on_fire();
        }));
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() { disarm(); }

  void disarm() {
    state_->armed = false;
    state_->on_fire = nullptr;
    timer_.cancel();
  }
  // Replaces the action run on expiry (e.g. a new connection to close).
  void retarget(std::function<void()> on_fire) {
    if (state_->armed) state_->on_fire = std::move(on_fire);
  }
  bool fired() const { return state_->fired; }

 private:
  struct State {
    bool armed = true;
    bool fired = false;
    std::function<void()> on_fire;
  };
  boost::asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

}  // namespace strata::upstream::pool

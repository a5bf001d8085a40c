// A per-worker hashed timer wheel for the hub's transports (heartbeats,
// client timeouts): one asio steady_timer per worker instead of one per
// connection. Slots of intrusive doubly linked lists; schedule() and
// cancel() are O(1) and allocate nothing.
//
// Usage (a transport object embeds a node):
//   struct Conn { hub::WheelNode hb; ... };
//   conn.hb.set([](void* self) { static_cast<Conn*>(self)->on_heartbeat(); }, &conn);
//   wheel.schedule(conn.hb, cfg.heartbeat);   // (re)arms; once per expiry
//   wheel.cancel(conn.hb);                    // or just destroy the node
// The callback runs on the wheel's thread from poll(); it may schedule or
// cancel any node (including its own) and destroy its own object.
//
// Time: an injectable core::Clock. The asio timer wakes the worker every
// tick while nodes are scheduled and calls poll(), which fires what the
// clock says is due. Tests use a FakeClock, advance it and call poll()
// themselves (the asio timer then does nothing useful, it need not run).
// Precision: a node fires on the first poll at or after its deadline,
// rounded up to the tick (default 100 ms).
// Thread: one wheel per worker, used on that worker's thread only.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace strata::core {
class Clock;
}

namespace strata::hub {

class TimerWheel;

// An intrusive wheel entry. Not copyable or movable while scheduled;
// destroying a scheduled node cancels it.
class WheelNode {
 public:
  using Fn = void (*)(void* arg);
  WheelNode() = default;
  WheelNode(Fn fn, void* arg) : fn_(fn), arg_(arg) {}
  WheelNode(const WheelNode&) = delete;
  WheelNode& operator=(const WheelNode&) = delete;
  ~WheelNode() { unlink(); }

  void set(Fn fn, void* arg) { fn_ = fn; arg_ = arg; }
  bool scheduled() const { return wheel_ != nullptr; }

 private:
  friend class TimerWheel;
  void unlink();
  WheelNode* prev_ = nullptr;
  WheelNode* next_ = nullptr;
  TimerWheel* wheel_ = nullptr;
  std::uint64_t due_ = 0;          // tick number
  Fn fn_ = nullptr;
  void* arg_ = nullptr;
};

class TimerWheel {
 public:
  // `clock` must outlive the wheel; null = core::SteadyClock.
  explicit TimerWheel(const boost::asio::any_io_executor& ex, const core::Clock* clock = nullptr,
                      std::chrono::milliseconds tick = std::chrono::milliseconds(100),
                      std::size_t slots = 512);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Fires `n` once, `after` from now (rounded up to the tick; at least one
  // tick). Re-schedules when already scheduled.
  void schedule(WheelNode& n, std::chrono::milliseconds after);
  void cancel(WheelNode& n) { n.unlink(); }

  // Fires every node due by the clock's now(). Returns how many fired.
  std::size_t poll();

  std::size_t size() const { return count_; }   // scheduled nodes
  std::chrono::milliseconds tick() const { return tick_; }

 private:
  friend class WheelNode;
  struct Impl;
  std::uint64_t now_tick() const;
  void arm();
  void on_unlink() { --count_; }
  static void link_before(WheelNode* head, WheelNode* n);

  const core::Clock* clock_;
  std::chrono::milliseconds tick_;
  std::unique_ptr<WheelNode[]> heads_;  // sentinel per slot (circular lists)
  std::size_t slots_;
  std::uint64_t cursor_ = 0;       // next tick to process
  std::size_t count_ = 0;
  std::unique_ptr<Impl> impl_;     // the asio timer
};

}  // namespace strata::hub

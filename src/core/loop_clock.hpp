// The event loop's time: the steady clock read at most once per turn of a
// thread's event loop, as nginx and HAProxy do (a clock read costs ~67 ns
// on these VMs, rdtsc alone ~33 ns, and a proxied request used to read it
// 15 times).
//
// A turn starts when epoll_wait returns on the thread (loop_clock.cpp
// wraps it: every Asio io_context on epoll waits through it); the first
// now() of a turn reads the clock, later ones in the same turn return that
// reading. So times taken while handling one wake-up are equal, and they
// lag the real clock by the CPU time spent since the first read of the
// turn (microseconds; a turn that runs long, such as a burst of TLS
// handshakes, moves deadlines set late in it earlier by as much).
//
// Outside a handler of a running io_context (Asio's call stack says so: on
// a thread before its loop runs or after it returned), on a thread that
// never waited in epoll, and in builds where the wrapper is off (TSan and
// Clang builds, whose sanitizers need their own epoll_wait; the io_uring
// build does not use it), now() is the steady clock. Left: an io_context run again on a
// thread (tests do; strata runs each loop once) whose first handlers, before
// its first wait, may see the last turn of the run before unless a read
// outside the loop came in between.
#pragma once
#include <chrono>
#include <cstdint>

#include "core/clock.hpp"

namespace strata::core {

namespace loop_turn {
// Turns of this thread's event loop so far (0: it never waited in epoll).
std::uint64_t turns() noexcept;
// True when this build counts turns (see above).
bool enabled() noexcept;
// `fn` runs on this thread just before each of its epoll_wait calls (the
// send batch, io/send_batch.hpp, puts its queued writes on the wire there);
// nullptr: nothing. Only where enabled().
void set_before_wait(void (*fn)()) noexcept;
}  // namespace loop_turn

class LoopClock final : public Clock {
 public:
  time_point now() const override { return steady(); }
  static time_point steady() noexcept;
  static std::chrono::system_clock::time_point wall() noexcept;
  static const LoopClock& instance() {
    static LoopClock c;
    return c;
  }
};

}  // namespace strata::core

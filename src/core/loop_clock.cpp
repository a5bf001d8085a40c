#include "core/loop_clock.hpp"

#include <boost/asio/detail/thread_context.hpp>

// Off where the wrapper would hide a sanitizer's own epoll_wait: TSan's
// orders threads through it, and Clang links its runtimes statically. GCC's
// ASan (a shared library, looked up after the executable) only checks the
// events buffer there: the ASan build, which CI's unit and integration
// tiers run, keeps the wrapper.
#if defined(__linux__) && !defined(BOOST_ASIO_HAS_IO_URING) && !defined(__SANITIZE_THREAD__) && \
    !defined(__clang__)
#define STRATA_LOOP_TURNS 1
#endif

#if defined(STRATA_LOOP_TURNS)
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace strata::core {

namespace {
struct TurnCache {
  std::uint64_t turns = 0;       // epoll_wait returns on this thread
  std::uint64_t steady_turn = 0; // the turn `steady` was read in (0: none)
  std::uint64_t wall_turn = 0;
  Clock::time_point steady{};
  std::chrono::system_clock::time_point wall{};
};
thread_local TurnCache t_turn;  // trivially destructible: usable at thread exit
}  // namespace

namespace loop_turn {
std::uint64_t& turns() noexcept { return t_turn.turns; }
bool enabled() noexcept {
#if defined(STRATA_LOOP_TURNS)
  return true;
#else
  return false;
#endif
}
}  // namespace loop_turn

namespace {
// Inside a handler of a running io_context (Asio's per-thread call stack)?
// Code that runs after its thread's loop returned gets the real clock, and
// such a read forgets the cached one (the next run's first handlers, before
// its first wait, then read the clock afresh).
inline bool in_loop(TurnCache& c) {
  if (c.turns == 0) return false;
  if (boost::asio::detail::thread_context::top_of_thread_call_stack()) return true;
  c.steady_turn = c.wall_turn = 0;
  return false;
}
}  // namespace

Clock::time_point LoopClock::steady() noexcept {
  TurnCache& c = t_turn;
  if (!in_loop(c)) return std::chrono::steady_clock::now();
  if (c.steady_turn != c.turns) {
    c.steady = std::chrono::steady_clock::now();
    c.steady_turn = c.turns;
  }
  return c.steady;
}

std::chrono::system_clock::time_point LoopClock::wall() noexcept {
  TurnCache& c = t_turn;
  if (!in_loop(c)) return std::chrono::system_clock::now();
  if (c.wall_turn != c.turns) {
    c.wall = std::chrono::system_clock::now();
    c.wall_turn = c.turns;
  }
  return c.wall;
}

}  // namespace strata::core

#if defined(STRATA_LOOP_TURNS)
// Every epoll_wait of the process comes here instead of libc's (symbol
// interposition from the executable): the same system call, then a new
// turn for this thread's LoopClock. epoll_pwait with no signal mask is
// what libc's epoll_wait is on architectures without epoll_wait.
extern "C" int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
  const long r = ::syscall(SYS_epoll_pwait, epfd, events, maxevents, timeout, nullptr, 8);
  ++strata::core::t_turn.turns;
  return static_cast<int>(r);
}
#endif

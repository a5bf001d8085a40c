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
thread_local void (*t_before_wait)() = nullptr;
}  // namespace

namespace loop_turn {
std::uint64_t turns() noexcept { return t_turn.turns; }
void set_before_wait(void (*fn)()) noexcept { t_before_wait = fn; }
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

// The reading `value` holds for this turn, taken now when `at_turn` says it
// is from an earlier one; the clock itself outside a loop.
template <class SourceClock>
typename SourceClock::time_point cached(typename SourceClock::time_point& value, std::uint64_t& at_turn) {
  TurnCache& c = t_turn;
  if (!in_loop(c)) return SourceClock::now();
  if (at_turn != c.turns) {
    value = SourceClock::now();
    at_turn = c.turns;
  }
  return value;
}
}  // namespace

Clock::time_point LoopClock::steady() noexcept {
  return cached<std::chrono::steady_clock>(t_turn.steady, t_turn.steady_turn);
}

std::chrono::system_clock::time_point LoopClock::wall() noexcept {
  return cached<std::chrono::system_clock>(t_turn.wall, t_turn.wall_turn);
}

}  // namespace strata::core

#if defined(STRATA_LOOP_TURNS)
// Every epoll_wait of the process comes here instead of libc's (symbol
// interposition from the executable): the same system call, then a new
// turn for this thread's LoopClock. epoll_pwait with no signal mask is
// what libc's epoll_wait is on architectures without epoll_wait.
extern "C" int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
  if (auto* fn = strata::core::t_before_wait) fn();
  const long r = ::syscall(SYS_epoll_pwait, epfd, events, maxevents, timeout, nullptr, 8);
  ++strata::core::t_turn.turns;
  return static_cast<int>(r);
}
#endif

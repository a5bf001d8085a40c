#include "conn/memory_trim.hpp"

#include <malloc.h>

#include <algorithm>

#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "core/frame_pool.hpp"
#include "obs/metrics.hpp"

namespace strata::conn {

namespace {

using steady = std::chrono::steady_clock;

struct TrimState {
  std::uint32_t closes = 0;
  bool scheduled = false;
  steady::time_point last_trim{};
  steady::time_point last_close{};
  steady::time_point first_wait{};
};

TrimState& state() {
  thread_local TrimState s;
  return s;
}

obs::Counter& trims() {
  static obs::Counter& c = obs::counter(
      "strata_memory_trims_total", "malloc_trim calls after bursts of closed connections");
  return c;
}

// Waits until closes have stopped for kTrimDelay (or kTrimMaxWait since the
// first wait, so a steady stream of closes still trims), then trims.
constexpr auto kTrimMaxWait = std::chrono::seconds(3);

void wait_then_trim(std::shared_ptr<boost::asio::steady_timer> timer) {
  auto& s = state();
  auto at = std::max(s.last_close + kTrimDelay, s.last_trim + kTrimInterval);
  timer->expires_at(at);
  timer->async_wait([timer](boost::system::error_code ec) {
    auto& st = state();
    if (ec) {
      st.scheduled = false;
      return;
    }
    auto now = steady::now();
    if (now < st.last_close + kTrimDelay && now < st.first_wait + kTrimMaxWait) {
      wait_then_trim(timer);  // closes still coming: wait for the burst to end
      return;
    }
    st.scheduled = false;
    st.closes = 0;
    st.last_trim = now;
    core::frame_pool::trim_this_thread();  // the worker's cached coroutine frames first
    ::malloc_trim(0);
    trims().inc();
  });
}

}  // namespace

void note_connection_closed(const boost::asio::any_io_executor& ex) {
  auto& s = state();
  s.last_close = steady::now();
  if (++s.closes < kTrimAfterCloses || s.scheduled) return;
  s.scheduled = true;
  s.first_wait = s.last_close;
  wait_then_trim(std::make_shared<boost::asio::steady_timer>(ex));
}

}  // namespace strata::conn

// Gives freed heap memory back to the system after a burst of connection
// closes (issue 13 item 7). glibc keeps what connections freed in the
// worker's arena; malloc_trim(0) returns the free pages (madvise) of every
// arena (after freeing the worker's cached coroutine frames,
// core/frame_pool). It walks the arenas (a few ms for a large heap), so it runs at
// most once per kTrimInterval per worker, kTrimDelay after at least
// kTrimAfterCloses closes counted on that worker, on the worker's own
// thread (never in the middle of a request's work).
// Counter strata_memory_trims_total counts the trims.
// Thread: call on the worker thread that owns `ex`.
#pragma once
#include <chrono>
#include <cstdint>

#include <boost/asio/any_io_executor.hpp>

namespace strata::conn {

inline constexpr std::uint32_t kTrimAfterCloses = 256;
inline constexpr std::chrono::milliseconds kTrimDelay{200};
inline constexpr std::chrono::milliseconds kTrimInterval{1000};

// Counts one closed downstream connection on this worker; may schedule a trim.
void note_connection_closed(const boost::asio::any_io_executor& ex);

}  // namespace strata::conn

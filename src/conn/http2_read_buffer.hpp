// The HTTP/2 connection reader's buffer (kHttp2ReadBuffer bytes), held only
// while the connection has a stream or bytes to read: an idle connection
// waits for the socket's readability without it (issue 13 item 4). A
// per-thread LIFO pool of at most kHttp2ReadBufferPool buffers keeps the
// idle-to-busy switch free of allocations in the steady state; beyond it
// they are freed.
// Thread: a pool is per thread; acquire/release on the connection's worker.
#pragma once
#include <cstddef>
#include <memory>

namespace strata::conn {

inline constexpr std::size_t kHttp2ReadBuffer = 32 * 1024;
inline constexpr std::size_t kHttp2ReadBufferPool = 16;

using Http2ReadBuffer = std::unique_ptr<char[]>;

// A kHttp2ReadBuffer-byte buffer from this thread's pool (or a new one).
Http2ReadBuffer acquire_http2_read_buffer();
// Back to this thread's pool, or freed when the pool is full.
void release_http2_read_buffer(Http2ReadBuffer b);
// Buffers pooled on this thread (tests).
std::size_t http2_read_buffers_pooled();

}  // namespace strata::conn

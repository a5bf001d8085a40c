// Per-thread recycling of coroutine frames (issue 13 item 2: no allocation
// per request in steady state).
//
// Every Asio coroutine frame (boost::asio::awaitable) is allocated through
// here (core/asio_frame_hook.hpp routes Asio's awaitable_frame_tag to it).
// Asio's own cache keeps 2 blocks per thread and none over 1020 bytes, so a
// request that nests a dozen coroutines paid ~10 mallocs; this keeps freed
// blocks in size classes (32-byte steps up to kMaxPooled bytes) on the
// thread that frees them and hands them back to the next frame of that
// class, so a worker's steady state allocates nothing for its frames.
//
// Contract: allocate(n) returns a malloc block of capacity(n) >= n bytes
// aligned to alignof(std::max_align_t) (throws std::bad_alloc);
// deallocate(p, n) takes any malloc block of at least n bytes (from
// allocate or not: it is filed by malloc_usable_size, so a block another
// allocator made is never handed out as bigger than it is), on any thread
// (a block freed on another thread joins that thread's cache). Blocks over
// kMaxPooled go straight to malloc/free.
// Limit: a thread keeps at most thread_cache_limit() bytes of free blocks
// (default kDefaultCacheBytes, set per thread); above it, frees go to
// free(). A thread's cache is freed when the thread exits.
// Thread: every function acts on the calling thread's cache only; no locks.
#pragma once
#include <cstddef>
#include <cstdint>

namespace strata::core::frame_pool {

inline constexpr std::size_t kGranule = 32;
inline constexpr std::size_t kMaxPooled = 8192;
inline constexpr std::size_t kDefaultCacheBytes = std::size_t(4) << 20;  // 256 h2 streams in flight need ~1.5 MiB

void* allocate(std::size_t n);
// The capacity of the block allocate(n) returns (n rounded up to its class).
constexpr std::size_t capacity(std::size_t n) {
  return n > kMaxPooled ? n : (n == 0 ? kGranule : (n + kGranule - 1) / kGranule * kGranule);
}
void deallocate(void* p, std::size_t n) noexcept;
// The same for a block known to hold capacity(n) bytes or more (one that
// allocate(m) returned with capacity(m) == capacity(n), or any malloc
// block at least that large), filed by n without asking malloc its size:
// the frees of the coroutine frames and handlers this pool made.
void deallocate_own(void* p, std::size_t n) noexcept;

// Bytes of free blocks this thread may keep (0: keep none).
void set_thread_cache_limit(std::size_t bytes) noexcept;
std::size_t thread_cache_limit() noexcept;

// This thread's counters since it started.
struct Stats {
  std::uint64_t reused = 0;     // allocations served from the cache
  std::uint64_t allocated = 0;  // allocations that went to malloc
  std::size_t cached_bytes = 0; // free blocks held now
};
Stats thread_stats() noexcept;

// Frees every block this thread holds (memory given back, e.g. after
// connections close); the cache fills again as frames are freed.
void trim_this_thread() noexcept;

}  // namespace strata::core::frame_pool

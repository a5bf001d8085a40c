// Routes the allocation of every Asio coroutine frame (and of posted
// functions, cancellation handlers, parallel groups) to core/frame_pool (per-thread size
// classes, any size up to 8 KiB) instead of Asio's 2-block, <= 1020-byte
// thread cache per purpose.
//
// How: explicit specialisations of Asio's thread_info_base::allocate and
// deallocate for those purpose tags (awaitable_frame_base's operator
// new/delete pass awaitable_frame_tag). An explicit specialisation must be seen by
// every translation unit before its first use, so this header is given to
// every compile: src/pch.hpp includes it first (strata_lib and the test
// binaries that reuse its precompiled header) and CMakeLists.txt force-
// includes it (-include) in the other targets (STRATA_FRAME_HOOK). Do not
// include it anywhere else.
//
// Every purpose Asio's thread cache serves but default_tag goes to the pool.
// A block asking for more than alignof(max_align_t) comes from
// aligned_alloc; the pool may keep it when it is freed. Blocks are filed
// by the size Asio frees them with (the one it allocated them with), so
// every translation unit must see this hook: one without it would free
// Asio's own blocks into the pool.
//
// Also: the epoll reactor's per-descriptor states (one per open socket,
// kept by the reactor for reuse and never freed until it goes) come from
// a core::Slab instead of `new`, through an explicit specialisation of
// Asio's object_pool_access for that type. Allocated one at a time during
// a burst of connections, each sat between kilobytes of per-request memory
// that was freed later and pinned its page (~0.4 KB per idle connection
// after 10,000 connections arrived at once; bench/run --only idle).
// In header-only Asio, epoll_reactor.hpp brings epoll_reactor.ipp, whose
// inline functions use object_pool<descriptor_state> before the
// specialisations below are declared. GCC and Clang instantiate function
// templates at the end of the translation unit, where they are seen; the
// unit test SlabAllocator.ReactorDescriptorStatesComeFromASlab fails if a
// build ever uses Asio's own `new` instead.
#pragma once
#include <boost/asio/detail/config.hpp>
#include <boost/asio/detail/thread_info_base.hpp>
#if defined(BOOST_ASIO_HAS_EPOLL)
#include <boost/asio/detail/epoll_reactor.hpp>
#include <boost/asio/detail/object_pool.hpp>
#endif

#include "core/frame_pool.hpp"
#include "core/slab.hpp"

namespace strata::core::asio_hook {

#if defined(BOOST_ASIO_HAS_IO_URING)
inline constexpr std::size_t kAsioChunk = 8;  // Asio's allocation unit
#else
inline constexpr std::size_t kAsioChunk = 4;
#endif

// The bytes of the block for an Asio request of `size` bytes, as Asio
// sizes its own: whole chunks and its trailing chunk-count byte at [size].
constexpr std::size_t block_bytes(std::size_t size) {
  return (size + kAsioChunk - 1) / kAsioChunk * kAsioChunk + 1;
}

// A pooled block for Asio. Its chunk-count byte is set so Asio's own
// deallocate would never think the block bigger than it is. An
// over-aligned block comes from aligned_alloc, as large as the pool's
// class for the same size, so the pool may keep it when it is freed
// (pooled_deallocate files blocks by size, without asking malloc).
inline void* pooled_allocate(std::size_t size, std::size_t align) {
  const std::size_t want = block_bytes(size);
  const std::size_t cap = frame_pool::capacity(want);
  auto* mem = static_cast<unsigned char*>(align > alignof(std::max_align_t)
                                              ? boost::asio::aligned_new(align, cap)
                                              : frame_pool::allocate(want));
  const std::size_t chunks = (cap - 1) / kAsioChunk;
  mem[size] = static_cast<unsigned char>(chunks <= 255 ? chunks : 0);
  return mem;
}

inline void pooled_deallocate(void* pointer, std::size_t size) {
  frame_pool::deallocate_own(pointer, block_bytes(size));
}

}  // namespace strata::core::asio_hook

namespace boost::asio::detail {

// One pair per purpose: coroutine frames (awaitable_frame_tag), posted
// functions (executor_function_tag), cancellation handlers and parallel
// groups; all share the per-thread size classes. default_tag (operation
// blocks) cannot be specialised (thread_info_base uses it in its own body)
// and keeps Asio's cache.
#define STRATA_ASIO_POOLED_PURPOSE(TAG)                                                                \
  template <>                                                                                          \
  inline void* thread_info_base::allocate<thread_info_base::TAG>(                                      \
      thread_info_base::TAG, thread_info_base*, std::size_t size, std::size_t align) {                 \
    return ::strata::core::asio_hook::pooled_allocate(size, align);                                    \
  }                                                                                                    \
  template <>                                                                                          \
  inline void thread_info_base::deallocate<thread_info_base::TAG>(thread_info_base::TAG, thread_info_base*, \
                                                                  void* pointer, std::size_t size) {   \
    ::strata::core::asio_hook::pooled_deallocate(pointer, size);                                       \
  }

STRATA_ASIO_POOLED_PURPOSE(awaitable_frame_tag)
STRATA_ASIO_POOLED_PURPOSE(executor_function_tag)
STRATA_ASIO_POOLED_PURPOSE(cancellation_signal_tag)
STRATA_ASIO_POOLED_PURPOSE(parallel_group_tag)
#undef STRATA_ASIO_POOLED_PURPOSE

#if defined(BOOST_ASIO_HAS_EPOLL)
// The reactor's descriptor states from a slab (see the top of this file).
template <>
inline epoll_reactor::descriptor_state* object_pool_access::create<epoll_reactor::descriptor_state, bool>(
    bool locking) {
  auto& slab = ::strata::core::slab_for<epoll_reactor::descriptor_state>();
  void* mem = slab.allocate();
  try {
    return new (mem) epoll_reactor::descriptor_state(locking);
  } catch (...) {
    slab.deallocate(mem);
    throw;
  }
}
template <>
inline void object_pool_access::destroy<epoll_reactor::descriptor_state>(epoll_reactor::descriptor_state* o) {
  o->~descriptor_state();
  ::strata::core::slab_for<epoll_reactor::descriptor_state>().deallocate(o);
}
#endif

}  // namespace boost::asio::detail

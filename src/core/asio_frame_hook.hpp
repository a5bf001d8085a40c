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
// aligned_alloc; the pool may keep it when it is freed (filed by its usable
// size).
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

// A pooled block for Asio. Also safe if some translation unit was built
// without this hook (it would free our blocks with Asio's own
// deallocate, and hand us Asio's): the block has room for Asio's trailing
// chunk-count byte at [size], set so Asio never thinks the block bigger
// than it is (in Asio's chunks: 8 bytes with io_uring, else 4), and
// frame_pool::deallocate files any block by its real usable size.
inline void* pooled_allocate(std::size_t size, std::size_t align) {
  if (align > alignof(std::max_align_t)) return boost::asio::aligned_new(align, size);
#if defined(BOOST_ASIO_HAS_IO_URING)
  constexpr std::size_t kAsioChunk = 8;
#else
  constexpr std::size_t kAsioChunk = 4;
#endif
  const std::size_t want = (size + kAsioChunk - 1) / kAsioChunk * kAsioChunk + 1;  // as Asio sizes its blocks
  auto* mem = static_cast<unsigned char*>(frame_pool::allocate(want));
  const std::size_t chunks = (frame_pool::capacity(want) - 1) / kAsioChunk;
  mem[size] = static_cast<unsigned char>(chunks <= 255 ? chunks : 0);
  return mem;
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
    ::strata::core::frame_pool::deallocate(pointer, size);                                             \
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

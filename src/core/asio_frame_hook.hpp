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
// Every purpose Asio's thread cache serves but default_tag goes to the pool. A block asking for more than
// alignof(max_align_t) comes from aligned_alloc; it is a malloc block of at
// least its class's capacity, so the pool may keep it when it is freed.
#pragma once
#include <boost/asio/detail/thread_info_base.hpp>

#include "core/frame_pool.hpp"

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
    if (align > alignof(std::max_align_t)) return boost::asio::aligned_new(align, size);              \
    return ::strata::core::frame_pool::allocate(size);                                                 \
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

}  // namespace boost::asio::detail

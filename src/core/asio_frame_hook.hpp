// Routes the allocation of every Asio coroutine frame to core/frame_pool
// (per-thread size classes, any frame size) instead of Asio's 2-block,
// <= 1020-byte thread cache.
//
// How: an explicit specialisation of Asio's thread_info_base::allocate and
// deallocate for awaitable_frame_tag, the purpose awaitable_frame_base's
// operator new/delete pass. An explicit specialisation must be seen by
// every translation unit before its first use, so this header is given to
// every compile: src/pch.hpp includes it first (strata_lib and the test
// binaries that reuse its precompiled header) and CMakeLists.txt force-
// includes it (-include) in the other targets (STRATA_FRAME_HOOK). Do not
// include it anywhere else.
//
// Alignment: frames ask for the default (alignof(max_align_t)); a larger
// alignment is served by the pool too only when malloc provides it, which
// is all Asio ever asks of this purpose (checked below).
#pragma once
#include <boost/asio/detail/thread_info_base.hpp>

#include "core/frame_pool.hpp"

namespace boost::asio::detail {

template <>
inline void* thread_info_base::allocate<thread_info_base::awaitable_frame_tag>(
    thread_info_base::awaitable_frame_tag, thread_info_base*, std::size_t size, std::size_t align) {
  if (align > alignof(std::max_align_t)) return boost::asio::aligned_new(align, size);
  return ::strata::core::frame_pool::allocate(size);
}

template <>
inline void thread_info_base::deallocate<thread_info_base::awaitable_frame_tag>(
    thread_info_base::awaitable_frame_tag, thread_info_base*, void* pointer, std::size_t size) {
  ::strata::core::frame_pool::deallocate(pointer, size);
}

}  // namespace boost::asio::detail

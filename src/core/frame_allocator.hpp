// A standard allocator over core/frame_pool (per-thread size classes), for
// binding to an Asio completion handler whose operation Asio would
// otherwise allocate from its small per-thread cache (default_tag, which
// the frame hook cannot reroute): asio::bind_allocator(FrameAllocator<void>{},
// handler). Stateless; any instance frees what any other allocated, on any
// thread (frame_pool's contract).
#pragma once
#include <cstddef>

#include "core/frame_pool.hpp"

namespace strata::core {

template <class T>
struct FrameAllocator {
  using value_type = T;
  FrameAllocator() = default;
  template <class U>
  FrameAllocator(const FrameAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(frame_pool::allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { frame_pool::deallocate_own(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const FrameAllocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const FrameAllocator<U>&) const noexcept { return false; }
};

}  // namespace strata::core

// Fixed-size blocks for small objects that live as long as a connection
// (issue 13 item 4: what an idle HTTP/1.1 connection keeps). A connection's
// few long-lived bytes, allocated from malloc between the kilobytes of
// per-request memory it and its neighbours use and free again, pin a page
// each: after a burst of connections went idle the heap stayed at its
// high-water mark (~0.6 KB per idle connection more than they hold), and
// malloc_trim could not return it. Blocks from a Slab sit together in
// kChunkBytes chunks instead.
// A Slab keeps its chunks while any block is live (so it holds the peak of
// live blocks); when the last block goes it frees every chunk but one.
// Blocks are 16-byte aligned.
// Thread: any (one mutex per slab, taken per allocate and per deallocate:
// per connection, not per request).
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

namespace strata::core {

class Slab {
 public:
  static constexpr std::size_t kChunkBytes = 32 * 1024;
  explicit Slab(std::size_t block_bytes);
  ~Slab();
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  void* allocate();  // throws std::bad_alloc
  void deallocate(void* p) noexcept;

  std::size_t block_bytes() const { return block_; }
  std::size_t live() const;
  std::size_t chunks() const;

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  const std::size_t block_;
  const std::size_t per_chunk_;
  mutable std::mutex mu_;
  std::vector<char*> chunks_;
  FreeBlock* free_ = nullptr;
  std::size_t carved_ = 0;  // blocks handed out of chunks_.back() so far
  std::size_t live_ = 0;
};

// The process's slab for objects of sizeof(T). Never destroyed: a block may
// be freed after static destructors ran (a connection ended at exit).
template <class T>
Slab& slab_for() {
  static Slab* s = new Slab(sizeof(T));
  return *s;
}

// A standard allocator over slab_for<T>() for single objects (n == 1, what
// std::allocate_shared asks for); arrays go to std::allocator.
template <class T>
struct SlabAllocator {
  using value_type = T;
  SlabAllocator() noexcept = default;
  template <class U>
  SlabAllocator(const SlabAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= 16, "slab blocks are 16-byte aligned");
    if (n != 1) return std::allocator<T>().allocate(n);
    return static_cast<T*>(slab_for<T>().allocate());
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n != 1) return std::allocator<T>().deallocate(p, n);
    slab_for<T>().deallocate(p);
  }
  template <class U>
  bool operator==(const SlabAllocator<U>&) const noexcept { return true; }
};

}  // namespace strata::core

#include "core/frame_pool.hpp"

#include <malloc.h>

#include <cstdlib>
#include <algorithm>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define STRATA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define STRATA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define STRATA_POISON(p, n) ((void)(p), (void)(n))
#define STRATA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace strata::core::frame_pool {
namespace {

constexpr std::size_t kClasses = kMaxPooled / kGranule;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible so it stays usable while other thread_locals are
// destroyed at thread exit (frames freed then go to free() once `dead`).
struct Cache {
  FreeBlock* head[kClasses];
  std::size_t cached_bytes;
  std::size_t limit;
  std::uint64_t reused;
  std::uint64_t allocated;
  bool limit_set;
  bool drain_registered;
  bool dead;
};
thread_local Cache t_cache{};

void drain(Cache& c) noexcept {
  for (std::size_t i = 0; i < kClasses; ++i) {
    while (FreeBlock* b = c.head[i]) {
      STRATA_UNPOISON(b, (i + 1) * kGranule);
      c.head[i] = b->next;
      std::free(b);
    }
  }
  c.cached_bytes = 0;
}

// Frees the cache at thread exit.
struct Drain {
  ~Drain() {
    drain(t_cache);
    t_cache.dead = true;
  }
};
thread_local Drain t_drain;

// Class index of a block of n bytes (n <= kMaxPooled): capacity (i+1)*kGranule.
inline std::size_t class_of(std::size_t n) { return n == 0 ? 0 : (n - 1) / kGranule; }

inline std::size_t limit_of(const Cache& c) { return c.limit_set ? c.limit : kDefaultCacheBytes; }

}  // namespace

void* allocate(std::size_t n) {
  Cache& c = t_cache;
  if (n <= kMaxPooled) {
    const std::size_t i = class_of(n);
    if (FreeBlock* b = c.head[i]) {
      STRATA_UNPOISON(b, (i + 1) * kGranule);
      c.head[i] = b->next;
      c.cached_bytes -= (i + 1) * kGranule;
      ++c.reused;
      return b;
    }
    n = (i + 1) * kGranule;  // the class's capacity, so the block can be reused by any frame of it
    if (!c.drain_registered && !c.dead) {
      c.drain_registered = true;
      (void)&t_drain;  // constructs the thread's Drain (its destructor frees the cache)
    }
  }
  ++c.allocated;
  void* p = std::malloc(n);
  if (!p) throw std::bad_alloc();
  return p;
}

namespace {

// Keeps p as a free block of class i when the cache has room; false if not.
inline bool keep(Cache& c, void* p, std::size_t i) noexcept {
  const std::size_t cap = (i + 1) * kGranule;
  if (c.cached_bytes + cap > limit_of(c)) return false;
  auto* b = static_cast<FreeBlock*>(p);
  b->next = c.head[i];
  c.head[i] = b;
  c.cached_bytes += cap;
  STRATA_POISON(reinterpret_cast<char*>(b) + sizeof(FreeBlock), cap - sizeof(FreeBlock));
  if (!c.drain_registered) {
    c.drain_registered = true;
    (void)&t_drain;
  }
  return true;
}

}  // namespace

void deallocate(void* p, std::size_t n) noexcept {
  if (!p) return;
  Cache& c = t_cache;
  if (n <= kMaxPooled && !c.dead) {
    // Filed by what the block really holds: the largest class it covers.
    const std::size_t usable = ::malloc_usable_size(p);
    if (usable >= kGranule && keep(c, p, std::min(usable / kGranule, kClasses) - 1)) return;
  }
  std::free(p);
}

void deallocate_own(void* p, std::size_t n) noexcept {
  if (!p) return;
  Cache& c = t_cache;
  if (n <= kMaxPooled && !c.dead && keep(c, p, class_of(n))) return;
  std::free(p);
}

void set_thread_cache_limit(std::size_t bytes) noexcept {
  Cache& c = t_cache;
  c.limit = bytes;
  c.limit_set = true;
  if (c.cached_bytes > bytes) drain(c);
}

std::size_t thread_cache_limit() noexcept { return limit_of(t_cache); }

Stats thread_stats() noexcept {
  const Cache& c = t_cache;
  return Stats{c.reused, c.allocated, c.cached_bytes};
}

void trim_this_thread() noexcept { drain(t_cache); }

}  // namespace strata::core::frame_pool

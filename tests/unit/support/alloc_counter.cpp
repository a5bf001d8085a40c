#include "unit/support/alloc_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>

namespace strata::test {
namespace {
thread_local bool t_counting = false;
std::atomic<std::uint64_t> g_count{0};
}  // namespace

void count_allocations_on_this_thread(bool on) { t_counting = on; }
std::uint64_t allocations_counted() { return g_count.load(std::memory_order_relaxed); }

// Called for every allocation; must not allocate.
inline void note_allocation() {
  if (t_counting) g_count.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace strata::test

#if defined(__SANITIZE_ADDRESS__)
// ASan calls this weak hook after every allocation it serves.
extern "C" void __sanitizer_malloc_hook(const volatile void*, std::size_t) {
  strata::test::note_allocation();
}
#else
// glibc's own allocator entry points: the blocks stay glibc's, so free()
// needs no interposing.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t n) noexcept {
  strata::test::note_allocation();
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) noexcept {
  strata::test::note_allocation();
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) noexcept {
  strata::test::note_allocation();
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
  strata::test::note_allocation();
  return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) noexcept {
  strata::test::note_allocation();
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  strata::test::note_allocation();
  void* p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
}  // extern "C"
#endif

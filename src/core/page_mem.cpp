#include "core/page_mem.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace strata::core::page_mem {
namespace {

constexpr std::size_t kHeader = 16;

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

// The mapping's length in the header: 0 = a malloc block.
std::size_t& mapped_len(void* user) { return *reinterpret_cast<std::size_t*>(static_cast<char*>(user) - kHeader); }

void* raw_of(void* user) { return static_cast<char*>(user) - kHeader; }

void* map(std::size_t n) {
  const std::size_t len = (kHeader + n + page_size() - 1) / page_size() * page_size();
  void* raw = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  *static_cast<std::size_t*>(raw) = len;
  return static_cast<char*>(raw) + kHeader;
}

void* from_malloc(std::size_t n, bool zeroed) {
  if (n > std::size_t(-1) - kHeader) return nullptr;
  void* raw = zeroed ? std::calloc(1, kHeader + n) : std::malloc(kHeader + n);
  if (!raw) return nullptr;
  *static_cast<std::size_t*>(raw) = 0;
  return static_cast<char*>(raw) + kHeader;
}

// Bytes the block can hold.
std::size_t capacity(void* p) {
  const std::size_t len = mapped_len(p);
  return len ? len - kHeader : ::malloc_usable_size(raw_of(p)) - kHeader;
}

}  // namespace

void* allocate(std::size_t n) {
  if (n >= kOwnPagesFrom)
    if (void* p = map(n)) return p;
  return from_malloc(n, false);
}

void* allocate_zeroed(std::size_t k, std::size_t n) {
  if (n && k > std::size_t(-1) / n) return nullptr;
  const std::size_t total = k * n;
  if (total >= kOwnPagesFrom)
    if (void* p = map(total)) return p;  // fresh pages are zero
  return from_malloc(total, true);
}

void* reallocate(void* p, std::size_t n) {
  if (!p) return allocate(n);
  if (n == 0) {
    release(p);
    return nullptr;
  }
  const std::size_t have = capacity(p);
  if (mapped_len(p)) {
    if (n <= have) return p;
  } else if (n < kOwnPagesFrom) {
    void* raw = std::realloc(raw_of(p), kHeader + n);
    if (!raw) return nullptr;
    return static_cast<char*>(raw) + kHeader;  // the header (0) moved with it
  }
  void* q = allocate(n);
  if (!q) return nullptr;
  std::memcpy(q, p, std::min(have, n));
  release(p);
  return q;
}

void release(void* p) {
  if (!p) return;
  if (const std::size_t len = mapped_len(p)) ::munmap(raw_of(p), len);
  else std::free(raw_of(p));
}

}  // namespace strata::core::page_mem

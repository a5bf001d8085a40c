#include "codec/http2/recycling_mem.hpp"

#include <nghttp2/nghttp2.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/page_mem.hpp"

namespace strata::codec::http2 {

namespace {

constexpr std::size_t kHeader = 16;  // keeps the user pointer 16-byte aligned
// Payload sizes of the classes: powers of two, and 3 KiB for the session
// struct (2,928 bytes in nghttp2 1.52), which the 4 KiB class would hold
// with 1,168 bytes to spare for the whole life of every connection.
constexpr std::array<std::size_t, 8> kClassSizes{64, 128, 256, 512, 1024, 2048, 3072, 4096};
constexpr std::size_t kClasses = kClassSizes.size();
constexpr std::size_t kKeep = 256;   // free blocks kept per class (256 streams in flight: h2load -c16 -m16)
constexpr std::size_t kBig = kClasses;  // header tag: not from a class (core::page_mem's block)

constexpr std::size_t class_size(std::size_t c) { return kClassSizes[c]; }

std::size_t class_of(std::size_t n) {
  for (std::size_t c = 0; c < kClasses; ++c)
    if (n <= class_size(c)) return c;
  return kBig;
}

struct FreeLists {
  std::array<std::array<void*, kKeep>, kClasses> blocks{};
  std::array<std::size_t, kClasses> count{};
  ~FreeLists() {
    for (std::size_t c = 0; c < kClasses; ++c)
      for (std::size_t i = 0; i < count[c]; ++i) std::free(blocks[c][i]);
  }
};

thread_local FreeLists t_lists;

std::size_t& tag_of(void* user) { return *reinterpret_cast<std::size_t*>(static_cast<char*>(user) - kHeader); }

void* take(std::size_t n) {
  const std::size_t c = class_of(n);
  void* raw;
  if (c == kBig) {
    // Big blocks (each session's 16 KiB frame buffer) from core::page_mem:
    // pages of their own, resident only where nghttp2 writes.
    raw = core::page_mem::allocate(kHeader + n);
    if (!raw) return nullptr;
  } else if (t_lists.count[c] > 0) {
    raw = t_lists.blocks[c][--t_lists.count[c]];
  } else {
    raw = std::malloc(kHeader + class_size(c));
    if (!raw) return nullptr;
  }
  *static_cast<std::size_t*>(raw) = c;
  return static_cast<char*>(raw) + kHeader;
}

void give(void* p) {
  if (!p) return;
  const std::size_t c = tag_of(p);
  void* raw = static_cast<char*>(p) - kHeader;
  if (c == kBig) {
    core::page_mem::release(raw);
    return;
  }
  if (t_lists.count[c] < kKeep) {
    t_lists.blocks[c][t_lists.count[c]++] = raw;
    return;
  }
  std::free(raw);
}

void* mem_malloc(std::size_t n, void*) { return take(n); }
void mem_free(void* p, void*) { give(p); }
void* mem_calloc(std::size_t k, std::size_t n, void*) {
  if (n && k > std::size_t(-1) / 2 / n) return nullptr;
  if (class_of(k * n) == kBig) {  // zeroed by page_mem (a mapping is zero already: no page touched)
    void* raw = core::page_mem::allocate_zeroed(1, kHeader + k * n);
    if (!raw) return nullptr;
    *static_cast<std::size_t*>(raw) = kBig;
    return static_cast<char*>(raw) + kHeader;
  }
  void* p = take(k * n);
  if (p) std::memset(p, 0, k * n);
  return p;
}
void* mem_realloc(void* p, std::size_t n, void*) {
  if (!p) return take(n);
  if (n == 0) {
    give(p);
    return nullptr;
  }
  const std::size_t c = tag_of(p);
  if (c != kBig) {
    if (n <= class_size(c)) return p;  // still fits its block
    void* q = take(n);
    if (!q) return nullptr;
    std::memcpy(q, p, class_size(c));
    give(p);
    return q;
  }
  // A big block: page_mem moves it (or keeps it when it still fits).
  void* raw = core::page_mem::reallocate(static_cast<char*>(p) - kHeader, kHeader + n);
  if (!raw) return nullptr;
  *static_cast<std::size_t*>(raw) = kBig;  // stays a big block
  return static_cast<char*>(raw) + kHeader;
}

nghttp2_mem g_mem{nullptr, mem_malloc, mem_free, mem_calloc, mem_realloc};

}  // namespace

nghttp2_mem* recycling_mem() { return &g_mem; }

namespace recycling {
void* malloc(std::size_t n, void* u) { return mem_malloc(n, u); }
void free(void* p, void* u) { mem_free(p, u); }
void* calloc(std::size_t k, std::size_t n, void* u) { return mem_calloc(k, n, u); }
void* realloc(void* p, std::size_t n, void* u) { return mem_realloc(p, n, u); }
}  // namespace recycling

}  // namespace strata::codec::http2

#include "codec/http2/recycling_mem.hpp"

#include <nghttp2/nghttp2.h>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <new>

namespace strata::codec::http2 {

namespace {

constexpr std::size_t kHeader = 16;  // keeps the user pointer 16-byte aligned
// Payload sizes of the classes: powers of two, and 3 KiB for the session
// struct (2,928 bytes in nghttp2 1.52), which the 4 KiB class would hold
// with 1,168 bytes to spare for the whole life of every connection.
constexpr std::array<std::size_t, 8> kClassSizes{64, 128, 256, 512, 1024, 2048, 3072, 4096};
constexpr std::size_t kClasses = kClassSizes.size();
constexpr std::size_t kKeep = 256;   // free blocks kept per class (256 streams in flight: h2load -c16 -m16)
constexpr std::size_t kBig = kClasses;  // header tag: not from a class, malloc'd
constexpr std::size_t kMapped = kClasses + 1;  // header tag: its own anonymous mapping
// Blocks this large get pages of their own. nghttp2's biggest one is each
// session's frame buffer (16,394 bytes, allocated when the session is made
// and kept until it ends). HEADERS and control frames are serialized into
// it; DATA payloads are not (they go out with NO_COPY), so a session
// usually writes its first page and nothing else. From malloc the block
// would come back from other uses with all its pages resident; mapped
// fresh, an idle HTTP/2 connection holds one page of it instead of four.
constexpr std::size_t kMapFrom = 16 * 1024;

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
// A mapped block's mapping length, beside its tag.
std::size_t& map_len_of(void* user) {
  return *reinterpret_cast<std::size_t*>(static_cast<char*>(user) - kHeader + sizeof(std::size_t));
}

std::size_t page_size() {
  static const std::size_t p = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return p;
}

// A block of `n` payload bytes in a mapping of its own; nullptr when the
// mapping cannot be made (the caller falls back to malloc).
void* take_mapped(std::size_t n) {
  const std::size_t len = (kHeader + n + page_size() - 1) / page_size() * page_size();
  void* raw = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  auto* h = static_cast<std::size_t*>(raw);
  h[0] = kMapped;
  h[1] = len;
  return static_cast<char*>(raw) + kHeader;
}

void* take(std::size_t n) {
  const std::size_t c = class_of(n);
  void* raw;
  if (c == kBig && n >= kMapFrom) {
    if (void* p = take_mapped(n)) return p;
  }
  if (c != kBig && t_lists.count[c] > 0) {
    raw = t_lists.blocks[c][--t_lists.count[c]];
  } else {
    raw = std::malloc(kHeader + (c == kBig ? n : class_size(c)));
    if (!raw) return nullptr;
  }
  *static_cast<std::size_t*>(raw) = c;
  return static_cast<char*>(raw) + kHeader;
}

void give(void* p) {
  if (!p) return;
  const std::size_t c = tag_of(p);
  void* raw = static_cast<char*>(p) - kHeader;
  if (c == kMapped) {
    ::munmap(raw, map_len_of(p));
    return;
  }
  if (c != kBig && t_lists.count[c] < kKeep) {
    t_lists.blocks[c][t_lists.count[c]++] = raw;
    return;
  }
  std::free(raw);
}

void* mem_malloc(std::size_t n, void*) { return take(n); }
void mem_free(void* p, void*) { give(p); }
void* mem_calloc(std::size_t k, std::size_t n, void*) {
  if (n && k > std::size_t(-1) / 2 / n) return nullptr;
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
  if (c == kMapped) {
    const std::size_t have = map_len_of(p) - kHeader;
    if (n <= have) return p;  // still fits its pages
    void* q = take(n);
    if (!q) return nullptr;
    std::memcpy(q, p, have);
    give(p);
    return q;
  }
  if (c != kBig) {
    if (n <= class_size(c)) return p;  // still fits its block
    void* q = take(n);
    if (!q) return nullptr;
    std::memcpy(q, p, class_size(c));
    give(p);
    return q;
  }
  // A big block: its size is not recorded, so let realloc move it.
  void* raw = std::realloc(static_cast<char*>(p) - kHeader, kHeader + n);
  if (!raw) return nullptr;
  *static_cast<std::size_t*>(raw) = kBig;  // stays a big block
  return static_cast<char*>(raw) + kHeader;
}

nghttp2_mem g_mem{nullptr, mem_malloc, mem_free, mem_calloc, mem_realloc};

}  // namespace

nghttp2_mem* recycling_mem() { return &g_mem; }

}  // namespace strata::codec::http2

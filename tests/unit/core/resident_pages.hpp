// Test helper: how many of the whole pages inside [p, p + n) are resident
// (mincore), for tests of allocators that promise untouched pages stay out.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace strata::test {

inline std::size_t page_bytes() { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

inline std::size_t resident_pages(void* p, std::size_t n) {
  const auto pg = static_cast<std::uintptr_t>(page_bytes());
  const auto first = (reinterpret_cast<std::uintptr_t>(p) + pg - 1) / pg * pg;
  const auto last = (reinterpret_cast<std::uintptr_t>(p) + n) / pg * pg;
  if (last <= first) return 0;
  std::vector<unsigned char> v((last - first) / pg);
  if (::mincore(reinterpret_cast<void*>(first), last - first, v.data()) != 0) return SIZE_MAX;
  std::size_t r = 0;
  for (unsigned char c : v) r += c & 1;
  return r;
}

}  // namespace strata::test

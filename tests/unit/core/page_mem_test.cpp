#include "core/page_mem.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "unit/core/resident_pages.hpp"

namespace strata::core::page_mem {
namespace {

using test::page_bytes;
using test::resident_pages;

TEST(PageMem, LargeBlocksAreZeroAndHoldOnlyThePagesWritten) {
  const std::size_t n = 48 * 1024;
  auto* p = static_cast<unsigned char*>(allocate_zeroed(1, n));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
  EXPECT_EQ(resident_pages(p, n), 0u);  // zero without touching a page
  p[page_bytes() * 3] = 1;
  EXPECT_EQ(resident_pages(p, n), 1u);
  for (std::size_t i = page_bytes() * 3 + 1; i < page_bytes() * 4 - 16; ++i) ASSERT_EQ(p[i], 0) << i;
  release(p);
}

TEST(PageMem, SmallBlocksComeFromMallocAndGrowIntoLargeOnes) {
  auto* p = static_cast<unsigned char*>(allocate(100));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
  for (std::size_t i = 0; i < 100; ++i) p[i] = static_cast<unsigned char>(i);
  p = static_cast<unsigned char*>(reallocate(p, 5000));  // still malloc
  ASSERT_NE(p, nullptr);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(p[i], i) << i;
  std::memset(p + 100, 0x5a, 4900);
  auto* q = static_cast<unsigned char*>(reallocate(p, 70000));  // now a mapping of its own
  ASSERT_NE(q, nullptr);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(q[i], i) << i;
  for (std::size_t i = 100; i < 5000; ++i) ASSERT_EQ(q[i], 0x5a) << i;
  EXPECT_EQ(reallocate(q, 69000), q);  // shrinking keeps the mapping
  auto* r = static_cast<unsigned char*>(reallocate(q, 200000));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r[4999], 0x5a);
  EXPECT_EQ(reallocate(r, 0), nullptr);  // frees
}

TEST(PageMem, CallocZeroesMallocBlocksAndRefusesOverflow) {
  auto* p = static_cast<unsigned char*>(allocate(3000));
  std::memset(p, 0xff, 3000);
  release(p);
  auto* z = static_cast<unsigned char*>(allocate_zeroed(3, 1000));
  ASSERT_NE(z, nullptr);
  for (std::size_t i = 0; i < 3000; ++i) ASSERT_EQ(z[i], 0) << i;
  release(z);
  EXPECT_EQ(allocate_zeroed(std::size_t(-1) / 2, 4), nullptr);
  release(nullptr);  // no-op
}

}  // namespace
}  // namespace strata::core::page_mem

#include "codec/http2/recycling_mem.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "unit/core/resident_pages.hpp"

namespace strata::codec::http2 {
namespace {

void* alloc(std::size_t n) {
  nghttp2_mem* m = recycling_mem();
  return m->malloc(n, m->mem_user_data);
}
void release(void* p) {
  nghttp2_mem* m = recycling_mem();
  m->free(p, m->mem_user_data);
}
void* grow(void* p, std::size_t n) {
  nghttp2_mem* m = recycling_mem();
  return m->realloc(p, n, m->mem_user_data);
}
void* zeroed(std::size_t k, std::size_t n) {
  nghttp2_mem* m = recycling_mem();
  return m->calloc(k, n, m->mem_user_data);
}

using test::resident_pages;

TEST(RecyclingMem, BlocksOfAClassAreReusedByTheThread) {
  void* a = alloc(3000);
  ASSERT_NE(a, nullptr);
  std::memset(a, 0xab, 3000);
  release(a);
  void* b = alloc(2100);  // the same class (2049..3072 bytes)
  EXPECT_EQ(b, a);
  release(b);
}

TEST(RecyclingMem, CallocZeroesARecycledBlock) {
  auto* a = static_cast<unsigned char*>(alloc(2928));
  std::memset(a, 0xff, 2928);
  release(a);
  auto* b = static_cast<unsigned char*>(zeroed(1, 2928));
  ASSERT_NE(b, nullptr);
  for (std::size_t i = 0; i < 2928; ++i) ASSERT_EQ(b[i], 0) << i;
  release(b);
  EXPECT_EQ(zeroed(std::size_t(-1) / 4, 8), nullptr);  // k * n overflows
}

// A session's frame buffer (16,394 bytes in nghttp2 1.52) gets fresh pages:
// only what nghttp2 writes becomes resident, whatever the process did before.
TEST(RecyclingMem, LargeBlocksOnlyHoldThePagesWritten) {
  const std::size_t n = 64 * 1024;
  auto* p = static_cast<char*>(grow(nullptr, n));  // nghttp2 makes its frame buffer with realloc(NULL, n)
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(resident_pages(p, n), 0u);
  p[0] = 1;
  p[300] = 2;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  EXPECT_LE(resident_pages(p, n), 1u);  // the first whole page may be the one written
  std::memset(p, 7, n);
  EXPECT_EQ(resident_pages(p, n), (n - page) / page);  // every whole page inside now
  release(p);
}

TEST(RecyclingMem, LargeBlocksKeepTheirBytesWhenTheyGrowOrShrink) {
  auto* p = static_cast<unsigned char*>(alloc(20000));
  ASSERT_NE(p, nullptr);
  for (std::size_t i = 0; i < 20000; ++i) p[i] = static_cast<unsigned char>(i * 7);
  auto* same = static_cast<unsigned char*>(grow(p, 20100));  // still within its pages
  EXPECT_EQ(same, p);
  auto* q = static_cast<unsigned char*>(grow(same, 100000));
  ASSERT_NE(q, nullptr);
  for (std::size_t i = 0; i < 20000; ++i) ASSERT_EQ(q[i], static_cast<unsigned char>(i * 7)) << i;
  q[99999] = 5;
  auto* r = static_cast<unsigned char*>(grow(q, 500));  // shrinking keeps the block
  EXPECT_EQ(r, q);
  EXPECT_EQ(r[499], static_cast<unsigned char>(499 * 7));
  EXPECT_EQ(grow(r, 0), nullptr);  // realloc to 0 frees
}

TEST(RecyclingMem, SmallBlocksGrowIntoLargeOnes) {
  auto* p = static_cast<unsigned char*>(alloc(100));
  for (std::size_t i = 0; i < 100; ++i) p[i] = static_cast<unsigned char>(i);
  auto* q = static_cast<unsigned char*>(grow(p, 40000));
  ASSERT_NE(q, nullptr);
  for (std::size_t i = 0; i < 100; ++i) ASSERT_EQ(q[i], i) << i;
  release(q);
}

}  // namespace
}  // namespace strata::codec::http2

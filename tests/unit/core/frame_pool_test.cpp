// core/frame_pool: freed blocks come back to the next allocation of their
// size class on the same thread, for any size up to kMaxPooled; the cache
// keeps within its limit; trim and thread exit give the memory back; and
// Asio coroutine frames go through it (core/asio_frame_hook.hpp).
#include "core/frame_pool.hpp"

#include <gtest/gtest.h>

#include <malloc.h>

#include <cstdlib>

#include <thread>
#include <vector>

#include <boost/asio.hpp>

namespace strata::core::frame_pool {
namespace {

TEST(FramePool, ReusesFreedBlocksOfTheSameClassAnySize) {
  trim_this_thread();
  for (std::size_t n : {std::size_t(1), std::size_t(200), std::size_t(1020), std::size_t(1500), std::size_t(4000),
                        kMaxPooled}) {
    void* a = allocate(n);
    static_cast<char*>(a)[n - 1] = 1;  // usable up to n
    deallocate(a, n);
    const auto before = thread_stats();
    void* b = allocate(n);
    EXPECT_EQ(a, b) << n;
    EXPECT_EQ(thread_stats().reused, before.reused + 1) << n;
    EXPECT_EQ(thread_stats().allocated, before.allocated) << n;
    // A size in the same 32-byte class reuses it too.
    deallocate(b, n);
    void* c = allocate(n - (n - 1) % kGranule);
    EXPECT_EQ(b, c) << n;
    deallocate(c, n - (n - 1) % kGranule);
  }
  trim_this_thread();
  EXPECT_EQ(thread_stats().cached_bytes, 0u);
}

TEST(FramePool, BlocksAreAligned) {
  std::vector<std::pair<void*, std::size_t>> v;
  for (std::size_t n = 1; n < 3000; n += 97) v.emplace_back(allocate(n), n);
  for (auto [p, n] : v) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u);
    deallocate(p, n);
  }
  trim_this_thread();
}

TEST(FramePool, OverMaxPooledIsNotKept) {
  trim_this_thread();
  void* p = allocate(kMaxPooled + 1);
  deallocate(p, kMaxPooled + 1);
  EXPECT_EQ(thread_stats().cached_bytes, 0u);
}

TEST(FramePool, CacheStaysWithinItsLimit) {
  trim_this_thread();
  const auto saved = thread_cache_limit();
  EXPECT_EQ(saved, kDefaultCacheBytes);
  set_thread_cache_limit(4096);
  std::vector<void*> v;
  for (int i = 0; i < 10; ++i) v.push_back(allocate(1000));  // 1024-byte class
  for (void* p : v) deallocate(p, 1000);
  EXPECT_EQ(thread_stats().cached_bytes, 4096u);
  set_thread_cache_limit(0);
  EXPECT_EQ(thread_stats().cached_bytes, 0u);
  void* p = allocate(100);
  deallocate(p, 100);
  EXPECT_EQ(thread_stats().cached_bytes, 0u);
  set_thread_cache_limit(saved);
}

TEST(FramePool, BlockFreedOnAnotherThreadJoinsThatThreadsCache) {
  void* p = allocate(500);
  std::size_t cached_there = 0;
  std::thread t([&] {
    deallocate(p, 500);
    cached_there = thread_stats().cached_bytes;
  });  // the thread's cache is freed at its exit (ASan/LSan would report a leak otherwise)
  t.join();
  EXPECT_EQ(cached_there, 512u);
}

TEST(FramePool, ForeignBlocksAreNeverHandedOutAsBiggerThanTheyAre) {
  // Blocks another allocator made (Asio's own, in a translation unit built
  // without the hook) come back through deallocate with the size asked of
  // them; they are filed by their usable size.
  trim_this_thread();
  for (std::size_t k = 1; k < 700; k += 3) deallocate(std::malloc(k), k);
  std::vector<std::pair<void*, std::size_t>> got;
  for (std::size_t n = 1; n < 700; n += 5) {
    void* p = allocate(n);
    EXPECT_GE(::malloc_usable_size(p), capacity(n)) << n;
    got.emplace_back(p, n);
  }
  for (auto [p, n] : got) deallocate(p, n);
  trim_this_thread();
}

namespace asio = boost::asio;

asio::awaitable<int> big_leaf(int x) {
  volatile char big[3000];  // a frame over Asio's own 1020-byte limit
  big[x] = char(x);
  co_return big[x];
}

asio::awaitable<void> chain(int& sum, int n) {
  for (int i = 0; i < n; ++i) sum += co_await big_leaf(i % 10);
}

TEST(FramePool, AsioOwnDeallocateKeepsAPooledBlockWithinItsSize) {
  // What Asio's primary thread_info_base::deallocate would do with a block
  // of ours (a translation unit built without the hook): cache it with the
  // chunk count found at [size]; that count never overstates the block.
  namespace d = boost::asio::detail;
  for (std::size_t n : {std::size_t(1), std::size_t(31), std::size_t(32), std::size_t(500), std::size_t(1019)}) {
    auto* mem = static_cast<unsigned char*>(d::thread_info_base::allocate(d::thread_info_base::awaitable_frame_tag(),
                                                                          nullptr, n));
#if defined(BOOST_ASIO_HAS_IO_URING)
    const std::size_t chunk = 8;
#else
    const std::size_t chunk = 4;
#endif
    EXPECT_LE(std::size_t(mem[n]) * chunk + 1, ::malloc_usable_size(mem)) << n;
    EXPECT_GE(std::size_t(mem[n]) * chunk, n) << n;  // Asio can reuse it for n
    d::thread_info_base::deallocate(d::thread_info_base::awaitable_frame_tag(), nullptr, mem, n);
  }
  trim_this_thread();
}

TEST(FramePool, DeallocateOwnFilesABlockByItsSize) {
  trim_this_thread();
  for (std::size_t n : {std::size_t(1), std::size_t(33), std::size_t(1500), kMaxPooled}) {
    void* a = allocate(n);
    deallocate_own(a, n);
    EXPECT_EQ(thread_stats().cached_bytes, capacity(n)) << n;
    void* b = allocate(n - (n - 1) % kGranule);  // the same class
    EXPECT_EQ(a, b) << n;
    EXPECT_EQ(thread_stats().cached_bytes, 0u) << n;
    deallocate_own(b, n);
    trim_this_thread();
  }
  void* big = allocate(kMaxPooled + 1);
  deallocate_own(big, kMaxPooled + 1);
  EXPECT_EQ(thread_stats().cached_bytes, 0u);
  set_thread_cache_limit(0);  // no room: freed at once
  void* p = allocate(100);
  deallocate_own(p, 100);
  EXPECT_EQ(thread_stats().cached_bytes, 0u);
  set_thread_cache_limit(kDefaultCacheBytes);
}

TEST(FramePool, OverAlignedAsioBlocksHoldTheirClass) {
  // The hook files a freed block by the size Asio passes; an over-aligned
  // one must be as large as that class, since the next frame of the class
  // may get it.
  namespace d = boost::asio::detail;
  trim_this_thread();
  for (std::size_t n : {std::size_t(1), std::size_t(40), std::size_t(700), std::size_t(5000)}) {
    auto* mem = static_cast<unsigned char*>(
        d::thread_info_base::allocate(d::thread_info_base::executor_function_tag(), nullptr, n, 64));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(mem) % 64, 0u) << n;
    const std::size_t cap = capacity(asio_hook::block_bytes(n));
    EXPECT_GE(::malloc_usable_size(mem), cap) << n;
    d::thread_info_base::deallocate(d::thread_info_base::executor_function_tag(), nullptr, mem, n);
    EXPECT_EQ(thread_stats().cached_bytes, cap) << n;
    void* again = allocate(asio_hook::block_bytes(n));
    EXPECT_EQ(again, mem) << n;
    deallocate(again, asio_hook::block_bytes(n));
    trim_this_thread();
  }
}

TEST(FramePool, AsioCoroutineFramesAreRecycled) {
  asio::io_context io;
  int sum = 0;
  asio::co_spawn(io, chain(sum, 10), asio::detached);
  io.run();  // warm: the classes of these frames are filled
  const auto before = thread_stats();
  io.restart();
  asio::co_spawn(io, chain(sum, 1000), asio::detached);
  io.run();
  const auto after = thread_stats();
  EXPECT_EQ(sum, 4500 + 45);
  EXPECT_GE(after.reused - before.reused, 1000u);  // every big_leaf frame
  EXPECT_LE(after.allocated - before.allocated, 2u);
}

}  // namespace
}  // namespace strata::core::frame_pool

// core::Slab: fixed-size blocks in shared chunks, reused LIFO, every chunk
// but one freed when the last block goes; SlabAllocator with
// std::allocate_shared; the reactor's descriptor states come from a slab
// (core/asio_frame_hook.hpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/slab.hpp"

namespace strata::core {
namespace {

TEST(Slab, BlocksAreAlignedDistinctAndShareChunks) {
  Slab s(40);
  EXPECT_EQ(s.block_bytes(), 48u);  // rounded to 16
  std::vector<void*> got;
  std::set<void*> seen;
  const std::size_t per_chunk = Slab::kChunkBytes / 48;
  for (std::size_t i = 0; i < per_chunk * 2 + 1; ++i) {
    void* p = s.allocate();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
    EXPECT_TRUE(seen.insert(p).second);
    std::memset(p, 0xab, 48);  // the whole block is ours (ASan checks)
    got.push_back(p);
  }
  EXPECT_EQ(s.live(), got.size());
  EXPECT_EQ(s.chunks(), 3u);
  // Consecutive blocks of one chunk are adjacent.
  EXPECT_EQ(static_cast<char*>(got[1]) - static_cast<char*>(got[0]), 48);
  // Freed blocks come back LIFO before new ones are carved.
  s.deallocate(got[5]);
  EXPECT_EQ(s.allocate(), got[5]);
  for (void* p : got) s.deallocate(p);
  EXPECT_EQ(s.live(), 0u);
  EXPECT_EQ(s.chunks(), 1u);  // the rest went back to malloc
  // And it carves again from the kept chunk.
  void* a = s.allocate();
  void* b = s.allocate();
  EXPECT_EQ(static_cast<char*>(b) - static_cast<char*>(a), 48);
  EXPECT_EQ(s.chunks(), 1u);
  s.deallocate(a);
  s.deallocate(b);
}

TEST(Slab, TinyBlocksHoldTheFreeListLink) {
  Slab s(1);
  EXPECT_EQ(s.block_bytes(), 16u);
  void* a = s.allocate();
  void* b = s.allocate();
  s.deallocate(a);
  s.deallocate(b);
  EXPECT_EQ(s.allocate(), b);
  EXPECT_EQ(s.allocate(), a);
  EXPECT_EQ(s.live(), 2u);
}

struct Counted {
  static inline int alive = 0;
  explicit Counted(int v) : v(v) { ++alive; }
  ~Counted() { --alive; }
  int v;
  char pad[50];
};

TEST(SlabAllocator, AllocateSharedUsesTheSlabOfTheControlBlock) {
  // libstdc++'s control block for allocate_shared (what the allocator is rebound to).
  using Block = std::_Sp_counted_ptr_inplace<Counted, SlabAllocator<Counted>, __gnu_cxx::_S_atomic>;
  auto& slab = slab_for<Block>();
  const auto before = slab.live();
  std::vector<std::shared_ptr<Counted>> v;
  for (int i = 0; i < 1000; ++i) v.push_back(std::allocate_shared<Counted>(SlabAllocator<Counted>{}, i));
  EXPECT_EQ(Counted::alive, 1000);
  EXPECT_EQ(slab.live(), before + 1000);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(v[std::size_t(i)]->v, i);
  std::weak_ptr<Counted> w = v[3];
  v.clear();
  EXPECT_EQ(Counted::alive, 0);
  EXPECT_TRUE(w.expired());  // the control block lives on in the slab until w goes
  EXPECT_EQ(slab.live(), before + 1);
  w.reset();
  EXPECT_EQ(slab.live(), before);
}

#if defined(BOOST_ASIO_HAS_EPOLL)
TEST(SlabAllocator, ReactorDescriptorStatesComeFromASlab) {
  using State = boost::asio::detail::epoll_reactor::descriptor_state;
  auto& slab = slab_for<State>();
  const auto before = slab.live();
  {
    boost::asio::io_context io;
    std::vector<boost::asio::ip::tcp::socket> socks;
    for (int i = 0; i < 10; ++i) {
      socks.emplace_back(io);
      socks.back().open(boost::asio::ip::tcp::v4());
    }
    EXPECT_GE(slab.live(), before + 10);
    socks.clear();  // back to the reactor's pool, still allocated
    EXPECT_GE(slab.live(), before + 10);
  }
  EXPECT_EQ(slab.live(), before);  // the reactor went: its states were freed
}
#endif

}  // namespace
}  // namespace strata::core

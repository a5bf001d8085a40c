#include "cache/body.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "cache/object.hpp"

namespace cache = strata::cache;

namespace {
// Restores the process defaults after each test.
struct BodyFiles : ::testing::Test {
  ~BodyFiles() override { cache::set_body_files(16 * 1024, 4096); }
};
}  // namespace

TEST_F(BodyFiles, SmallBodiesStayOnTheHeap) {
  cache::set_body_files(1024, 10);
  auto b = cache::make_body(std::string(1023, 'a'));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->fd(), -1);
  EXPECT_EQ(b->size(), 1023u);
  EXPECT_EQ(b->footprint(), 1023u);
}

TEST_F(BodyFiles, LargeBodiesLiveInASealedFile) {
  cache::set_body_files(1024, 10);
  const auto before = cache::body_files_alive();
  std::string bytes(5000, 'z');
  bytes[4999] = '!';
  {
    auto b = cache::make_body(std::string(bytes));
    ASSERT_GE(b->fd(), 0);
    EXPECT_EQ(*b, bytes);
    EXPECT_EQ(b->footprint(), 8192u);  // whole pages
    EXPECT_EQ(cache::body_files_alive(), before + 1);
    char c = 0;
    ASSERT_EQ(::pread(b->fd(), &c, 1, 4999), 1);
    EXPECT_EQ(c, '!');
    // Copies share the file.
    cache::Body copy = b;
    EXPECT_TRUE(copy == b);
    EXPECT_EQ(copy->fd(), b->fd());
  }
  EXPECT_EQ(cache::body_files_alive(), before);
}

TEST_F(BodyFiles, AtMostMaxFilesThenTheHeap) {
  cache::set_body_files(16, 2 + cache::body_files_alive());
  auto a = cache::make_body(std::string(100, 'a'));
  auto b = cache::make_body(std::string(100, 'b'));
  auto c = cache::make_body(std::string(100, 'c'));
  EXPECT_GE(a->fd(), 0);
  EXPECT_GE(b->fd(), 0);
  EXPECT_EQ(c->fd(), -1);
  EXPECT_EQ(*c, std::string(100, 'c'));
  a = nullptr;  // a slot frees up
  auto d = cache::make_body(std::string(100, 'd'));
  EXPECT_GE(d->fd(), 0);
}

TEST_F(BodyFiles, ZeroMinBytesTurnsFilesOff) {
  cache::set_body_files(0, 10);
  auto b = cache::make_body(std::string(1 << 20, 'x'));
  EXPECT_EQ(b->fd(), -1);
}

TEST_F(BodyFiles, ObjectChargeCountsTheFilesPages) {
  cache::set_body_files(1024, 10);
  cache::Object heap, file;
  heap.body = std::make_shared<const std::string>(5000, 'x');
  file.body = cache::make_body(std::string(5000, 'x'));
  ASSERT_GE(file.body->fd(), 0);
  EXPECT_EQ(file.charge() - heap.charge(), 8192u - 5000u);
}

TEST(Body, HeapBodyFromASharedString) {
  cache::Body none;
  EXPECT_FALSE(none);
  cache::Body b = std::make_shared<const std::string>("hello");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, "hello");
  EXPECT_EQ(std::string_view(*b), "hello");
  EXPECT_FALSE(b == cache::Body(std::make_shared<const std::string>("hello")));  // other storage
}

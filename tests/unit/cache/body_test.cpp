#include "cache/body.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cache/object.hpp"
#include "io/tmpfile_dir.hpp"
#include "unit/support/temp_dir.hpp"

namespace cache = strata::cache;

namespace {
// Restores the process defaults after each test.
struct BodyFiles : ::testing::Test {
  ~BodyFiles() override {
    cache::set_body_files(16 * 1024, 4096);
    cache::set_body_dir(nullptr);
  }
};
}  // namespace

TEST_F(BodyFiles, SmallBodiesStayOnTheHeap) {
  cache::set_body_dir(nullptr);
  cache::set_body_files(1024, 10);
  auto b = cache::make_body(std::string(1023, 'a'));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->fd(), -1);
  EXPECT_EQ(b->size(), 1023u);
  EXPECT_EQ(b->footprint(), 1023u);
}

TEST_F(BodyFiles, LargeBodiesLiveInASealedFile) {
  cache::set_body_dir(nullptr);
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

// With a body directory (cache.zero_copy_dir), large bodies are unnamed
// page-cache files there; the gauges follow them.
TEST_F(BodyFiles, WithADirectoryLargeBodiesAreUnnamedFilesThere) {
  strata::test::TempDir t;
  std::string err;
  auto dir = strata::io::TmpfileDir::open(t.path(), err);
  ASSERT_TRUE(dir) << err;
  cache::set_body_files(1024, 10);
  cache::set_body_dir(dir);
  const auto files = cache::body_files_alive(), tmp = cache::body_tmpfiles_alive();
  const auto tmp_bytes = cache::body_tmpfile_bytes();
  std::string bytes(5000, 'y');
  bytes[0] = '<';
  {
    auto b = cache::make_body(std::string(bytes));
    ASSERT_GE(b->fd(), 0);
    EXPECT_EQ(b->storage(), cache::BodyStorage::tmpfile);
    EXPECT_EQ(*b, bytes);
    EXPECT_EQ(b->footprint(), 8192u);
    struct stat st {}, dst {};
    ASSERT_EQ(::fstat(b->fd(), &st), 0);
    ASSERT_EQ(::stat(t.path().c_str(), &dst), 0);
    EXPECT_EQ(st.st_dev, dst.st_dev);
    EXPECT_EQ(st.st_nlink, 0u);
    EXPECT_EQ(cache::body_files_alive(), files + 1);
    EXPECT_EQ(cache::body_tmpfiles_alive(), tmp + 1);
    EXPECT_EQ(cache::body_tmpfile_bytes(), tmp_bytes + 5000);
    char c = 0;
    ASSERT_EQ(::pread(b->fd(), &c, 1, 0), 1);
    EXPECT_EQ(c, '<');
    // Small bodies still stay on the heap.
    EXPECT_EQ(cache::make_body(std::string(100, 's'))->storage(), cache::BodyStorage::heap);
    // The directory can change (a reload): this body keeps its file.
    cache::set_body_dir(nullptr);
    dir.reset();
    EXPECT_EQ(*b, bytes);
    EXPECT_EQ(cache::make_body(std::string(bytes))->storage(), cache::BodyStorage::memfd);
  }
  EXPECT_EQ(cache::body_files_alive(), files);
  EXPECT_EQ(cache::body_tmpfiles_alive(), tmp);
  EXPECT_EQ(cache::body_tmpfile_bytes(), tmp_bytes);
  EXPECT_TRUE(std::filesystem::is_empty(t.path()));
}

// A directory that stops taking files (here: removed) sends bodies to
// memfds, not to the heap.
TEST_F(BodyFiles, ADirectoryThatFailsFallsBackToMemfds) {
  strata::test::TempDir t;
  std::string err;
  auto dir = strata::io::TmpfileDir::open(t.file("d"), err);
  ASSERT_TRUE(dir) << err;
  cache::set_body_files(1024, 10);
  cache::set_body_dir(dir);
  std::filesystem::remove(t.file("d"));
  auto b = cache::make_body(std::string(3000, 'm'));
  EXPECT_EQ(b->storage(), cache::BodyStorage::memfd);
  EXPECT_GE(b->fd(), 0);
  EXPECT_EQ(*b, std::string(3000, 'm'));
}

// max_files counts both kinds.
TEST_F(BodyFiles, MaxFilesCountsUnnamedFilesToo) {
  strata::test::TempDir t;
  std::string err;
  auto dir = strata::io::TmpfileDir::open(t.path(), err);
  ASSERT_TRUE(dir) << err;
  cache::set_body_dir(dir);
  cache::set_body_files(16, 1 + cache::body_files_alive());
  auto a = cache::make_body(std::string(100, 'a'));
  auto b = cache::make_body(std::string(100, 'b'));
  EXPECT_EQ(a->storage(), cache::BodyStorage::tmpfile);
  EXPECT_EQ(b->storage(), cache::BodyStorage::heap);
}

TEST(Body, StorageNames) {
  EXPECT_STREQ(cache::to_string(cache::BodyStorage::heap), "heap");
  EXPECT_STREQ(cache::to_string(cache::BodyStorage::memfd), "memfd");
  EXPECT_STREQ(cache::to_string(cache::BodyStorage::tmpfile), "tmpfile");
}

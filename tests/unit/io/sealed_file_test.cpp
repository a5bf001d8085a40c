#include "io/sealed_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace io = strata::io;

TEST(SealedFile, HoldsTheBytesInFileAndMapping) {
  const std::string bytes(50000, 'q');
  boost::system::error_code ec;
  auto f = io::SealedFile::create(bytes, "t", ec);
  ASSERT_TRUE(f) << ec.message();
  EXPECT_EQ(f->size(), bytes.size());
  EXPECT_TRUE(f->view() == bytes);
  std::string back(bytes.size(), '\0');
  ASSERT_EQ(::pread(f->fd(), back.data(), back.size(), 0), ssize_t(bytes.size()));
  EXPECT_EQ(back, bytes);
}

TEST(SealedFile, IsSealedAgainstChange) {
  boost::system::error_code ec;
  auto f = io::SealedFile::create("immutable", "t", ec);
  ASSERT_TRUE(f);
  const int seals = ::fcntl(f->fd(), F_GET_SEALS);
  EXPECT_TRUE(seals & F_SEAL_WRITE);
  EXPECT_TRUE(seals & F_SEAL_SHRINK);
  EXPECT_TRUE(seals & F_SEAL_GROW);
  EXPECT_TRUE(seals & F_SEAL_SEAL);
  EXPECT_EQ(::pwrite(f->fd(), "X", 1, 0), -1);
  EXPECT_EQ(::ftruncate(f->fd(), 1), -1);
  EXPECT_EQ(f->view(), "immutable");
}

TEST(SealedFile, EmptyIsAnError) {
  boost::system::error_code ec;
  EXPECT_FALSE(io::SealedFile::create("", "t", ec));
  EXPECT_TRUE(ec);
}

TEST(SealedFile, DescriptorIsClosedOnDestruction) {
  boost::system::error_code ec;
  auto f = io::SealedFile::create("x", "t", ec);
  ASSERT_TRUE(f);
  const int fd = f->fd();
  f.reset();
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
}

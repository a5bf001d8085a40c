#include "io/sealed_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "unit/support/temp_dir.hpp"

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

// The page-cache kind: an unnamed file in a directory of a real filesystem.
namespace {
struct TmpfileInDir : ::testing::Test {
  strata::test::TempDir dir;
  int dir_fd = ::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ~TmpfileInDir() override { ::close(dir_fd); }
};
}  // namespace

TEST_F(TmpfileInDir, HoldsTheBytesInAnUnnamedReadOnlyFile) {
  std::string bytes(70000, 'q');
  bytes[69999] = '!';
  boost::system::error_code ec;
  auto f = io::SealedFile::create_tmpfile(dir_fd, bytes, ec);
  ASSERT_TRUE(f) << ec.message();
  EXPECT_EQ(f->kind(), io::SealedFile::Kind::tmpfile);
  EXPECT_EQ(f->size(), bytes.size());
  EXPECT_TRUE(f->view() == bytes);
  std::string back(bytes.size(), '\0');
  ASSERT_EQ(::pread(f->fd(), back.data(), back.size(), 0), ssize_t(bytes.size()));
  EXPECT_EQ(back, bytes);
  struct stat st {}, dst {};
  ASSERT_EQ(::fstat(f->fd(), &st), 0);
  ASSERT_EQ(::stat(dir.path().c_str(), &dst), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_nlink, 0u);        // in no directory
  EXPECT_EQ(st.st_dev, dst.st_dev);  // on the directory's filesystem
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Read-only: nothing in the process can rewrite what sockets send.
  EXPECT_EQ(::pwrite(f->fd(), "X", 1, 0), -1);
  EXPECT_EQ(::ftruncate(f->fd(), 1), -1);
  EXPECT_EQ(f->view()[0], 'q');
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // nothing shows in the directory
  const int fd = f->fd();
  f.reset();
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST_F(TmpfileInDir, ErrorsAreReportedNotThrown) {
  boost::system::error_code ec;
  EXPECT_FALSE(io::SealedFile::create_tmpfile(dir_fd, "", ec));
  EXPECT_TRUE(ec);
  EXPECT_FALSE(io::SealedFile::create_tmpfile(-1, "x", ec));  // no directory
  EXPECT_TRUE(ec);
  // A directory removed after it was opened takes no new file.
  std::filesystem::remove(dir.path());
  EXPECT_FALSE(io::SealedFile::create_tmpfile(dir_fd, "x", ec));
  EXPECT_TRUE(ec);
}

TEST(SealedFile, AMemfdSaysSo) {
  boost::system::error_code ec;
  auto f = io::SealedFile::create("x", "t", ec);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind(), io::SealedFile::Kind::memfd);
}

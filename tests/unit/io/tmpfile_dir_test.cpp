// io/tmpfile_dir: a directory checked to take unnamed (O_TMPFILE) files.
#include "io/tmpfile_dir.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/sealed_file.hpp"
#include "unit/support/temp_dir.hpp"

namespace io = strata::io;
namespace fs = std::filesystem;

TEST(TmpfileDir, CreatesAMissingDirectoryAndItsParentsPrivate) {
  strata::test::TempDir t;
  const std::string path = t.file("a/b/bodies");
  std::string err;
  auto d = io::TmpfileDir::open(path, err);
  ASSERT_TRUE(d) << err;
  EXPECT_EQ(d->path(), path);
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_TRUE(fs::is_empty(path));  // the probe left nothing
  // It takes files, and they work after the directory object is gone.
  boost::system::error_code ec;
  auto f = io::SealedFile::create_tmpfile(d->fd(), "bytes", ec);
  ASSERT_TRUE(f) << ec.message();
  const int dfd = d->fd();
  d.reset();
  EXPECT_EQ(::fcntl(dfd, F_GETFD), -1);  // closed
  EXPECT_EQ(f->view(), "bytes");
  char c = 0;
  EXPECT_EQ(::pread(f->fd(), &c, 1, 4), 1);
  EXPECT_EQ(c, 's');
}

TEST(TmpfileDir, AnExistingDirectoryKeepsItsMode) {
  strata::test::TempDir t;
  fs::permissions(t.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  std::string err;
  ASSERT_TRUE(io::TmpfileDir::open(t.path(), err)) << err;
  EXPECT_EQ(fs::status(t.path()).permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
}

TEST(TmpfileDir, UnusableDirectoriesSayWhy) {
  strata::test::TempDir t;
  std::string err;
  EXPECT_FALSE(io::TmpfileDir::open("", err));
  EXPECT_FALSE(err.empty());
  std::ofstream(t.file("plain")) << "x";
  EXPECT_FALSE(io::TmpfileDir::open(t.file("plain"), err));  // a file, not a directory
  EXPECT_NE(err.find(t.file("plain")), std::string::npos) << err;
  EXPECT_FALSE(io::TmpfileDir::open(t.file("plain/sub"), err));  // under a file
  EXPECT_NE(err.find("cannot create"), std::string::npos) << err;
  // procfs has no O_TMPFILE: refused at open, not at every body.
  EXPECT_FALSE(io::TmpfileDir::open("/proc", err));
  EXPECT_NE(err.find("O_TMPFILE"), std::string::npos) << err;
}

TEST(TmpfileDir, TellsTmpfsApart) {
  strata::test::TempDir t;
  std::string err;
  auto d = io::TmpfileDir::open(t.path(), err);
  ASSERT_TRUE(d) << err;
  struct statfs st {};
  ASSERT_EQ(::statfs(t.path().c_str(), &st), 0);
  EXPECT_EQ(d->on_tmpfs(), st.f_type == TMPFS_MAGIC);
  if (::statfs("/dev/shm", &st) == 0 && st.f_type == TMPFS_MAGIC) {
    auto shm = io::TmpfileDir::open("/dev/shm", err);
    ASSERT_TRUE(shm) << err;
    EXPECT_TRUE(shm->on_tmpfs());
  }
}

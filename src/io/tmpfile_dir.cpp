#include "io/tmpfile_dir.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace strata::io {

std::shared_ptr<const TmpfileDir> TmpfileDir::open(const std::string& path, std::string& err) {
  namespace fs = std::filesystem;
  err.clear();
  if (path.empty()) {
    err = "no directory given";
    return nullptr;
  }
  std::error_code fec;
  const bool made = fs::create_directories(path, fec);
  if (fec) {
    err = "cannot create " + path + ": " + fec.message();
    return nullptr;
  }
  if (made) fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace, fec);  // best effort
  const int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    err = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  // The probe: one unnamed file, closed at once (it never appears).
  const int probe = ::openat(fd, ".", O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (probe < 0) {
    err = path + " takes no O_TMPFILE file: " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  ::close(probe);
  struct statfs st {};
  const bool tmpfs = ::fstatfs(fd, &st) == 0 && st.f_type == TMPFS_MAGIC;
  return std::shared_ptr<const TmpfileDir>(new TmpfileDir(fd, path, tmpfs));
}

TmpfileDir::~TmpfileDir() { ::close(fd_); }

}  // namespace strata::io

#include "io/sealed_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace strata::io {

namespace {
boost::system::error_code last_error() {
  return boost::system::error_code(errno, boost::system::system_category());
}

// Sizes `fd` to `bytes` and writes them at offset 0; false with errno set.
bool fill(int fd, std::string_view bytes) {
  // Sized first so a short filesystem fails here (ENOSPC) rather than mid-copy.
  if (::ftruncate(fd, off_t(bytes.size())) != 0) return false;
  for (std::size_t off = 0; off < bytes.size();) {
    const ssize_t n = ::pwrite(fd, bytes.data() + off, bytes.size() - off, off_t(off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    off += std::size_t(n);
  }
  return true;
}

// Populated now: readers (TLS, HTTP/2) take no page faults on it while the
// pages stay in memory. MAP_FAILED on error.
const char* map_read_only(int fd, std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<const char*>(p);
}

boost::system::error_code empty_error() {
  return boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
}
}  // namespace

std::unique_ptr<SealedFile> SealedFile::create(std::string_view bytes, const char* name,
                                               boost::system::error_code& ec) {
  ec.clear();
  if (bytes.empty()) {
    ec = empty_error();
    return nullptr;
  }
  const int fd = ::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    ec = last_error();
    return nullptr;
  }
  const auto fail = [&] {
    ec = last_error();
    ::close(fd);
    return nullptr;
  };
  if (!fill(fd, bytes)) return fail();
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    return fail();
  const char* p = map_read_only(fd, bytes.size());
  if (!p) return fail();
  return std::unique_ptr<SealedFile>(new SealedFile(fd, Kind::memfd, p, bytes.size()));
}

std::unique_ptr<SealedFile> SealedFile::create_tmpfile(int dir_fd, std::string_view bytes,
                                                       boost::system::error_code& ec) {
  ec.clear();
  if (bytes.empty()) {
    ec = empty_error();
    return nullptr;
  }
  int fd = ::openat(dir_fd, ".", O_TMPFILE | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    ec = last_error();
    return nullptr;
  }
  const auto fail = [&] {
    ec = last_error();
    ::close(fd);
    return nullptr;
  };
  if (!fill(fd, bytes)) return fail();
  // Keep only a read-only descriptor: nothing in the process can write
  // the bytes by mistake. (An O_TMPFILE file can be reopened through
  // /proc even with O_EXCL; without /proc the private one stays.)
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  if (const int ro = ::open(path, O_RDONLY | O_CLOEXEC); ro >= 0) {
    ::close(fd);
    fd = ro;
  }
  const char* p = map_read_only(fd, bytes.size());
  if (!p) return fail();
  return std::unique_ptr<SealedFile>(new SealedFile(fd, Kind::tmpfile, p, bytes.size()));
}

SealedFile::~SealedFile() {
  ::munmap(const_cast<char*>(data_), size_);
  ::close(fd_);
}

}  // namespace strata::io

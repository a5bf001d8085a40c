#include "io/sealed_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace strata::io {

namespace {
boost::system::error_code last_error() {
  return boost::system::error_code(errno, boost::system::system_category());
}
}  // namespace

std::unique_ptr<SealedFile> SealedFile::create(std::string_view bytes, const char* name,
                                               boost::system::error_code& ec) {
  ec.clear();
  if (bytes.empty()) {
    ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
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
  // Sized first so a short tmpfs fails here (ENOSPC) rather than mid-copy.
  if (::ftruncate(fd, off_t(bytes.size())) != 0) return fail();
  for (std::size_t off = 0; off < bytes.size();) {
    const ssize_t n = ::pwrite(fd, bytes.data() + off, bytes.size() - off, off_t(off));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail();
    off += std::size_t(n);
  }
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
    return fail();
  // Populated now: readers (TLS, HTTP/2) never take page faults on it.
  void* p = ::mmap(nullptr, bytes.size(), PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (p == MAP_FAILED) return fail();
  return std::unique_ptr<SealedFile>(new SealedFile(fd, static_cast<const char*>(p), bytes.size()));
}

SealedFile::~SealedFile() {
  ::munmap(const_cast<char*>(data_), size_);
  ::close(fd_);
}

}  // namespace strata::io

// An immutable in-memory file: the bytes are written once into an anonymous
// memfd (memfd_create), sealed against any change (F_SEAL_WRITE, SHRINK,
// GROW, SEAL) and mapped read-only. The mapping and the file share the same
// pages (one copy of the bytes in memory), so a reader gets a string_view
// and a writer to plain TCP can sendfile(2) straight from fd(): the socket
// takes page references instead of copying. Pages a socket still holds stay
// valid after the SealedFile is destroyed (the kernel frees them when the
// last reference goes), and sealing guarantees they never change.
// Thread-safe once created (read-only). Linux only.
#pragma once
#include <cstddef>
#include <memory>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace strata::io {

class SealedFile {
 public:
  // The file holding `bytes` (non-empty), or null with `ec` set (EMFILE,
  // ENOMEM...). `name` shows in /proc/<pid>/fd (debugging only).
  static std::unique_ptr<SealedFile> create(std::string_view bytes, const char* name,
                                            boost::system::error_code& ec);
  ~SealedFile();
  SealedFile(const SealedFile&) = delete;
  SealedFile& operator=(const SealedFile&) = delete;

  int fd() const { return fd_; }
  std::string_view view() const { return {data_, size_}; }
  std::size_t size() const { return size_; }

 private:
  SealedFile(int fd, const char* data, std::size_t size) : fd_(fd), data_(data), size_(size) {}
  int fd_;
  const char* data_;
  std::size_t size_;
};

}  // namespace strata::io

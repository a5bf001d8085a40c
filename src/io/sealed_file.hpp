// An immutable file holding bytes, mapped read-only: the bytes are written
// once, then only read (view()) or sent from fd() with sendfile(2), the
// socket taking references to the file's pages instead of copying them.
// The mapping and the file share the same pages (one copy in memory).
// Pages a socket still holds stay valid after the SealedFile is destroyed
// (the kernel frees them when the last reference goes); nothing rewrites
// them. Two kinds:
//  - create(): an anonymous memfd (shmem), sealed against any change
//    (F_SEAL_WRITE, SHRINK, GROW, SEAL);
//  - create_tmpfile(): an unnamed file (O_TMPFILE | O_EXCL: it can never be
//    linked into the tree) in a directory of a real filesystem, kept open
//    read-only (reopened through /proc/self/fd; where /proc is missing the
//    private read-write descriptor stays). Its pages are ordinary page
//    cache, which sendfile reads in batches of (large) folios: on Linux 6.x
//    markedly cheaper per hit than shmem's page-by-page splice (measured in
//    docs/cache-bench.md). The file vanishes when its last descriptor
//    closes, also when the process dies. Not sealable (filesystems other
//    than shmem have no seals): immutable because no other descriptor
//    to it exists.
// Thread-safe once created (read-only). Linux only.
#pragma once
#include <cstddef>
#include <memory>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace strata::io {

class SealedFile {
 public:
  enum class Kind { memfd, tmpfile };
  // A sealed memfd holding `bytes` (non-empty), or null with `ec` set
  // (EMFILE, ENOMEM...). `name` shows in /proc/<pid>/fd (debugging only).
  static std::unique_ptr<SealedFile> create(std::string_view bytes, const char* name,
                                            boost::system::error_code& ec);
  // An O_TMPFILE file in the directory `dir_fd` (an open descriptor of it,
  // O_PATH is enough) holding `bytes` (non-empty), or null with `ec` set
  // (EOPNOTSUPP: the filesystem has no O_TMPFILE; ENOSPC, EMFILE...).
  static std::unique_ptr<SealedFile> create_tmpfile(int dir_fd, std::string_view bytes,
                                                    boost::system::error_code& ec);
  ~SealedFile();
  SealedFile(const SealedFile&) = delete;
  SealedFile& operator=(const SealedFile&) = delete;

  int fd() const { return fd_; }
  Kind kind() const { return kind_; }
  std::string_view view() const { return {data_, size_}; }
  std::size_t size() const { return size_; }

 private:
  SealedFile(int fd, Kind kind, const char* data, std::size_t size)
      : fd_(fd), kind_(kind), data_(data), size_(size) {}
  int fd_;
  Kind kind_;
  const char* data_;
  std::size_t size_;
};

}  // namespace strata::io

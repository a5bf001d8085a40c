// A directory for unnamed files (SealedFile::create_tmpfile), e.g. the edge
// cache's large bodies (cache.zero_copy_dir, docs/cache.md): open() creates
// it when missing (with its parents; the new directories mode 0700), keeps
// a descriptor of it (O_PATH) and checks that it takes an O_TMPFILE file
// (the filesystem supports them, the directory is writable), so a caller
// can fall back to memfds at once rather than at every body. Destroying it
// closes the descriptor; files made in it are independent of it.
// Thread-safe (immutable after open()).
#pragma once
#include <memory>
#include <string>

namespace strata::io {

class TmpfileDir {
 public:
  // The opened directory, or null with `err` saying why (for a log line).
  static std::shared_ptr<const TmpfileDir> open(const std::string& path, std::string& err);
  ~TmpfileDir();
  TmpfileDir(const TmpfileDir&) = delete;
  TmpfileDir& operator=(const TmpfileDir&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // On tmpfs: files there are shmem, no cheaper to send than a memfd.
  bool on_tmpfs() const { return tmpfs_; }

 private:
  TmpfileDir(int fd, std::string path, bool tmpfs) : fd_(fd), path_(std::move(path)), tmpfs_(tmpfs) {}
  int fd_;
  std::string path_;
  bool tmpfs_;
};

}  // namespace strata::io

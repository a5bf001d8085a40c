// A stored object's body (Object::body): shared, immutable bytes, held
// either on the heap (a std::string) or, for bodies of at least the
// configured size, in a file (io/sealed_file.hpp) whose read-only mapping
// gives the same bytes: an unnamed page-cache file in the configured
// directory (cache.zero_copy_dir) or, when that is off or fails, a sealed
// memfd. A file-backed body lets the HTTP/1.1 codec on plain TCP send a
// hit with sendfile(2) (no copy of the body per hit); every other path
// reads view(). Pointer-like: `*body` / `body->` give the bytes
// (BodyBytes), `!body` tests for none. Thread-safe (immutable).
#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace strata::io {
class SealedFile;
class TmpfileDir;
}  // namespace strata::io

namespace strata::cache {

// Where a body's bytes live.
enum class BodyStorage { heap, memfd, tmpfile };
// "heap", "memfd", "tmpfile" (admin lookup).
const char* to_string(BodyStorage s);

// The bytes of a Body, and the file they live in when they do.
class BodyBytes {
 public:
  std::string_view view() const { return v_; }
  operator std::string_view() const { return v_; }
  const char* data() const { return v_.data(); }
  std::size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  // The file holding exactly these bytes (offset 0), or -1 (heap).
  int fd() const { return fd_; }
  BodyStorage storage() const { return storage_; }
  // What the body occupies in memory: a file's size rounded up to pages.
  std::uint64_t footprint() const;
  friend bool operator==(const BodyBytes& a, std::string_view b) { return a.v_ == b; }
  friend bool operator==(const BodyBytes& a, const BodyBytes& b) { return a.v_ == b.v_; }

 private:
  friend class Body;
  std::string_view v_;
  int fd_ = -1;
  BodyStorage storage_ = BodyStorage::heap;
};
std::ostream& operator<<(std::ostream& os, const BodyBytes& b);

class Body {
 public:
  Body() = default;
  Body(std::nullptr_t) {}
  // Heap bytes (implicit: `o.body = std::make_shared<const std::string>(...)`).
  Body(std::shared_ptr<const std::string> s);
  explicit Body(std::shared_ptr<const io::SealedFile> f);

  const BodyBytes& operator*() const { return bytes_; }
  const BodyBytes* operator->() const { return &bytes_; }
  explicit operator bool() const { return str_ || file_; }
  // The same storage (not merely equal bytes).
  bool operator==(const Body& o) const { return str_ == o.str_ && file_ == o.file_; }

 private:
  std::shared_ptr<const std::string> str_;
  std::shared_ptr<const io::SealedFile> file_;
  BodyBytes bytes_;
};
std::ostream& operator<<(std::ostream& os, const Body& b);

// Which bodies make_body puts in a file: at least `min_bytes` (0: none)
// while fewer than `max_files` such files are alive in the process (each
// holds a file descriptor). Default 16 KiB and 4096 files
// (config::CacheStorage zero_copy_min_bytes / zero_copy_max_files). Any
// thread; applies to bodies made afterwards.
void set_body_files(std::uint64_t min_bytes, std::uint64_t max_files);
// The directory whose unnamed files hold those bodies (io/tmpfile_dir.hpp);
// null (the default): sealed memfds. Any thread; applies to bodies made
// afterwards (existing ones keep their file, which needs no directory).
void set_body_dir(std::shared_ptr<const io::TmpfileDir> dir);
// `bytes` as a Body: file-backed when the policy above says so: an
// unnamed file in the body directory when there is one and it takes the
// file (else a memfd; counted in strata_cache_body_tmpfile_failures_total),
// else on the heap (e.g. out of descriptors; counted in
// strata_cache_body_file_failures_total). Live files: the
// strata_cache_body_files gauge (all), strata_cache_body_tmpfiles and
// strata_cache_body_tmpfile_bytes (those in the directory).
Body make_body(std::string&& bytes);
// Body files (memfds and unnamed files) alive in the process (tests, metrics).
std::uint64_t body_files_alive();
// Of those, the unnamed files in a body directory, and their bytes.
std::uint64_t body_tmpfiles_alive();
std::uint64_t body_tmpfile_bytes();

}  // namespace strata::cache

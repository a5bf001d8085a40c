// A stored object's body (Object::body): shared, immutable bytes, held
// either on the heap (a std::string) or, for bodies of at least the
// configured size, in a sealed memfd (io/sealed_file.hpp) whose read-only
// mapping gives the same bytes. A file-backed body lets the HTTP/1.1 codec
// on plain TCP send a hit with sendfile(2) (no copy of the body per hit);
// every other path reads view(). Pointer-like: `*body` / `body->` give the
// bytes (BodyBytes), `!body` tests for none. Thread-safe (immutable).
#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace strata::io {
class SealedFile;
}

namespace strata::cache {

// The bytes of a Body, and the file they live in when they do.
class BodyBytes {
 public:
  std::string_view view() const { return v_; }
  operator std::string_view() const { return v_; }
  const char* data() const { return v_.data(); }
  std::size_t size() const { return v_.size(); }
  bool empty() const { return v_.empty(); }
  // The sealed memfd holding exactly these bytes (offset 0), or -1 (heap).
  int fd() const { return fd_; }
  // What the body occupies in memory: a file's size rounded up to pages.
  std::uint64_t footprint() const;
  friend bool operator==(const BodyBytes& a, std::string_view b) { return a.v_ == b; }
  friend bool operator==(const BodyBytes& a, const BodyBytes& b) { return a.v_ == b.v_; }

 private:
  friend class Body;
  std::string_view v_;
  int fd_ = -1;
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

// Which bodies make_body puts in a sealed memfd: at least `min_bytes`
// (0: none) while fewer than `max_files` such files are alive in the
// process (each holds a file descriptor). Default 16 KiB and 4096 files
// (config::CacheStorage zero_copy_min_bytes / zero_copy_max_files). Any
// thread; applies to bodies made afterwards.
void set_body_files(std::uint64_t min_bytes, std::uint64_t max_files);
// `bytes` as a Body: file-backed when the policy above says so and the
// memfd can be made (else, e.g. out of descriptors, on the heap; counted in
// strata_cache_body_file_failures_total). Live files: the
// strata_cache_body_files gauge.
Body make_body(std::string&& bytes);
// Sealed memfds alive in the process (tests, metrics).
std::uint64_t body_files_alive();

}  // namespace strata::cache

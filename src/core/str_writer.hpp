// Appends to a std::string through a raw pointer after one resize, for the
// message heads written on every request: std::string::append pays a
// capacity check, a length store and (for a C string) a strlen per piece,
// which was a third of serializing a head. The caller states an upper
// bound of what it will write; finish() (or the destructor) trims the
// string to what was written. Writing past the bound is a bug caught by
// the assert in Debug builds (CI runs them under ASan).
#pragma once
#include <cassert>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

#include "core/swar.hpp"

namespace strata::core {

class StrWriter {
 public:
  StrWriter(std::string& out, std::size_t max_bytes) : out_(out) {
    const std::size_t at = out.size();
    out.resize(at + max_bytes);
    p_ = out.data() + at;
    end_ = p_ + max_bytes;
  }
  // Writes from the start of `buf` and leaves its size alone (at least
  // max_bytes, grown only past its high-water mark): for a buffer reused by
  // every request, whose bytes past what was written would otherwise be
  // zero-filled again by the next resize (cache lines written for
  // nothing). size() is what was written.
  struct Reuse {};
  StrWriter(std::string& buf, std::size_t max_bytes, Reuse) : out_(buf), keep_(true) {
    if (buf.size() < max_bytes) buf.resize(max_bytes);
    p_ = buf.data();
    end_ = p_ + max_bytes;
  }
  StrWriter(const StrWriter&) = delete;
  StrWriter& operator=(const StrWriter&) = delete;
  ~StrWriter() { finish(); }

  void put(std::string_view s) {
    assert(std::size_t(end_ - p_) >= s.size());
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // A literal: its length is known here, so the copy inlines.
  template <std::size_t N>
  void lit(const char (&s)[N]) {
    assert(std::size_t(end_ - p_) >= N - 1);
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  void put(char c) {
    assert(p_ < end_);
    *p_++ = c;
  }
  // "name: value\r\n"
  void field(std::string_view name, std::string_view value) {
    put(name);
    lit(": ");
    put(value);
    lit("\r\n");
  }
  // field(), unless the name or value holds CR, LF or NUL: then nothing is
  // written and false returned. One pass: the check runs on the words
  // being copied.
  bool field_if_clean(std::string_view name, std::string_view value) {
    assert(std::size_t(end_ - p_) >= field_size(name.size(), value.size()));
    char* const start = p_;
    if (!swar::copy_no_line_breaks(p_, name.data(), name.size())) return false;
    p_ += name.size();
    lit(": ");
    if (!swar::copy_no_line_breaks(p_, value.data(), value.size())) {
      p_ = start;
      return false;
    }
    p_ += value.size();
    lit("\r\n");
    return true;
  }
  // Bytes a field() of these sizes writes.
  static constexpr std::size_t field_size(std::size_t name, std::size_t value) {
    return name + value + 4;
  }
  // The string's length up to the write position: with Reuse, the bytes
  // written; otherwise what was there before plus the bytes written.
  std::size_t size() const { return std::size_t(p_ - out_.data()); }
  void finish() {
    if (p_ && !keep_) out_.resize(size());
    p_ = nullptr;
  }

 private:
  std::string& out_;
  bool keep_ = false;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace strata::core

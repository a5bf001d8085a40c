// Protocol-neutral header list. Names are stored lower-case (HTTP/2 and
// HTTP/3 require it; HTTP/1.1 accepts it), values verbatim, order kept.
// Not thread-safe; owned by one request on one worker.
//
// Storage: names and values are copied into blocks the list owns and the
// fields are views into them, so adding a field allocates only when a block
// is full, and a cleared list keeps one block the size of everything it
// held (a connection reusing its request object allocates nothing per
// request). Views stay valid until clear(), assignment or destruction;
// remove()/set() leave the old bytes in place.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/swar.hpp"

namespace strata::http {

struct Header {
  std::string_view name;   // lower-case; bytes owned by the Headers
  std::string_view value;
};

class Headers {
 public:
  using const_iterator = std::vector<Header>::const_iterator;

  Headers() = default;
  Headers(const Headers& o);
  Headers& operator=(const Headers& o);
  Headers(Headers&&) noexcept = default;
  Headers& operator=(Headers&&) noexcept = default;
  ~Headers() = default;

  // Appends a field; `name` is lower-cased.
  void add(std::string_view name, std::string_view value);
  // Replaces every field called `name` with one field.
  void set(std::string_view name, std::string_view value);
  // Appends a copy of `f` as it is (no lower-casing: a field taken from
  // another list, whose names already are).
  void append(const Header& f);
  // Appends `f` without copying its bytes: the caller guarantees they stay
  // valid as long as this list holds the field (until clear(), assignment
  // or destruction). A copy of the list copies them. For a request built
  // from another that outlives it (the upstream request, sent while the
  // client's request is alive) and for literal names.
  void append_borrowed(const Header& f) { items_.push_back(f); }
  // Copies `s` into the list's storage; the view is valid as long as the
  // fields are (with append_borrowed: a value made on the stack).
  std::string_view keep(std::string_view s) { return store(s, false); }
  // Removes every field called `name`; returns how many were removed.
  std::size_t remove(std::string_view name);
  // Removes every field for which pred(const Header&) is true, in one pass;
  // returns how many were removed.
  template <class Pred>
  std::size_t remove_if(Pred pred) {
    const auto n = items_.size();
    std::erase_if(items_, pred);
    return n - items_.size();
  }
  // First value of `name` (case-insensitive), if present.
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // All values of `name` joined with ", " (RFC 9110 5.3), empty if absent.
  std::string joined(std::string_view name) const;

  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear();
  void reserve(std::size_t n) { items_.reserve(n); }
  // Room for `bytes` more bytes of names and values without another block.
  void reserve_bytes(std::size_t bytes);
  // Total bytes of names and values (for limits).
  std::size_t byte_size() const;

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0, used = 0;
  };
  // Copies `s` (lower-cased when `lower`) into a block; returns the copy.
  std::string_view store(std::string_view s, bool lower);

  std::vector<Header> items_;
  std::vector<Block> blocks_;
};

// True when `s` holds no CR, LF or NUL (safe to write into an HTTP/1.1
// head). Word at a time (core/swar.hpp).
inline bool no_line_breaks(std::string_view s) { return core::swar::no_line_breaks(s); }

// ASCII case-insensitive equality, a word at a time (core/swar.hpp).
inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && core::swar::iequals_n(a.data(), b.data(), a.size());
}
std::string to_lower(std::string_view s);

}  // namespace strata::http

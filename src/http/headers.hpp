// Protocol-neutral header list. Names are stored lower-case (HTTP/2 and
// HTTP/3 require it; HTTP/1.1 accepts it), values verbatim, order kept.
// Not thread-safe; owned by one request on one worker.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::http {

struct Header {
  std::string name;   // lower-case
  std::string value;
};

class Headers {
 public:
  using const_iterator = std::vector<Header>::const_iterator;

  // Appends a field; `name` is lower-cased.
  void add(std::string_view name, std::string_view value);
  // Replaces every field called `name` with one field.
  void set(std::string_view name, std::string_view value);
  // Removes every field called `name`; returns how many were removed.
  std::size_t remove(std::string_view name);
  // First value of `name` (case-insensitive), if present.
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // All values of `name` joined with ", " (RFC 9110 5.3), empty if absent.
  std::string joined(std::string_view name) const;

  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  void reserve(std::size_t n) { items_.reserve(n); }
  // Total bytes of names and values (for limits).
  std::size_t byte_size() const;

 private:
  std::vector<Header> items_;
};

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);

}  // namespace strata::http

// Maps a TLS server name (SNI) to the index of the certificate that serves
// it. Names are exact ("api.example.com") or wildcards ("*.example.com",
// which match exactly one extra label: "a.example.com", not
// "example.com" nor "a.b.example.com"). Matching is case-insensitive and
// ignores one trailing dot. Exact names win over wildcards; among equals,
// the certificate added first wins. No match -> index 0 (the default).
// Immutable after construction; safe to read from any thread.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace strata::io {

class SniTable {
 public:
  // Adds `names` for certificate `index`. Empty names are ignored.
  void add(const std::vector<std::string>& names, std::size_t index);
  // Certificate index for `server_name` (0 when nothing matches or empty).
  std::size_t find(std::string_view server_name) const;
  bool empty() const { return exact_.empty() && wildcard_.empty(); }

 private:
  std::unordered_map<std::string, std::size_t> exact_;     // lower-case name
  std::unordered_map<std::string, std::size_t> wildcard_;  // lower-case suffix after "*."
};

}  // namespace strata::io

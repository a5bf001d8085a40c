#include "http/byte_range.hpp"

#include <charconv>

namespace strata::http {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool number(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
}  // namespace

ByteRange parse_byte_range(std::string_view header, std::uint64_t size) {
  ByteRange none;
  header = trim(header);
  if (header.size() < 6) return none;
  for (std::size_t i = 0; i < 6; ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = char(c + 32);
    if (c != "bytes="[i]) return none;
  }
  auto spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return none;  // multiple ranges
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return none;
  auto a = trim(spec.substr(0, dash));
  auto b = trim(spec.substr(dash + 1));
  ByteRange r;
  if (a.empty()) {  // suffix range "-N": the last N bytes
    std::uint64_t n;
    if (!number(b, n)) return none;
    if (n == 0 || size == 0) return {ByteRange::Kind::unsatisfiable};
    r.kind = ByteRange::Kind::single;
    r.first = n >= size ? 0 : size - n;
    r.last = size - 1;
    return r;
  }
  std::uint64_t first;
  if (!number(a, first)) return none;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!b.empty()) {
    if (!number(b, last) || last < first) return none;
    if (size > 0 && last >= size) last = size - 1;
  }
  if (first >= size) return {ByteRange::Kind::unsatisfiable};
  r.kind = ByteRange::Kind::single;
  r.first = first;
  r.last = last;
  return r;
}

}  // namespace strata::http

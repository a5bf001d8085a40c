#include "http/headers.hpp"

#include <algorithm>

namespace strata::http {

namespace {
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

void Headers::add(std::string_view name, std::string_view value) {
  items_.push_back(Header{to_lower(name), std::string(value)});
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

std::size_t Headers::remove(std::string_view name) {
  auto it = std::remove_if(items_.begin(), items_.end(),
                           [&](const Header& h) { return iequals(h.name, name); });
  std::size_t n = std::size_t(items_.end() - it);
  items_.erase(it, items_.end());
  return n;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& h : items_)
    if (iequals(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

std::string Headers::joined(std::string_view name) const {
  std::string out;
  for (const auto& h : items_) {
    if (!iequals(h.name, name)) continue;
    if (!out.empty()) out += ", ";
    out += h.value;
  }
  return out;
}

std::size_t Headers::byte_size() const {
  std::size_t n = 0;
  for (const auto& h : items_) n += h.name.size() + h.value.size();
  return n;
}

}  // namespace strata::http

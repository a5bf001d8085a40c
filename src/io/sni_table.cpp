#include "io/sni_table.hpp"

namespace strata::io {

namespace {

std::string normalize(std::string_view n) {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  std::string s(n);
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

}  // namespace

void SniTable::add(const std::vector<std::string>& names, std::size_t index) {
  for (const auto& raw : names) {
    std::string n = normalize(raw);
    if (n.empty()) continue;
    if (n.size() > 2 && n[0] == '*' && n[1] == '.')
      wildcard_.emplace(n.substr(2), index);  // emplace keeps the first one
    else
      exact_.emplace(std::move(n), index);
  }
}

std::size_t SniTable::find(std::string_view server_name) const {
  std::string n = normalize(server_name);
  if (n.empty()) return 0;
  if (auto it = exact_.find(n); it != exact_.end()) return it->second;
  auto dot = n.find('.');
  if (dot == std::string::npos || dot == 0) return 0;
  if (auto it = wildcard_.find(n.substr(dot + 1)); it != wildcard_.end()) return it->second;
  return 0;
}

}  // namespace strata::io

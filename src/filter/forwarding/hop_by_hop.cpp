#include "filter/forwarding/hop_by_hop.hpp"

#include <array>
#include <string>
#include <vector>

namespace strata::filter::forwarding {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(token) for each comma-separated token (parameters after ';' dropped).
template <class F>
void for_each_token(std::string_view list, F&& f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto tok = list.substr(0, comma);
    if (const auto semi = tok.find(';'); semi != std::string_view::npos) tok = tok.substr(0, semi);
    tok = trim(tok);
    if (!tok.empty()) f(tok);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool strip_hop_by_hop(http::Headers& h) {
  // Names listed in Connection, as views into `connection` (remove() compares
  // case-insensitively); the first few without a heap allocation.
  const std::string connection = h.joined("connection");
  std::array<std::string_view, 8> few;
  std::size_t n_few = 0;
  std::vector<std::string_view> more;
  for_each_token(connection, [&](std::string_view t) {
    if (n_few < few.size()) few[n_few++] = t;
    else more.push_back(t);
  });
  bool trailers = false;
  for_each_token(h.joined("te"), [&](std::string_view t) {
    if (http::iequals(t, "trailers")) trailers = true;
  });
  for (std::size_t i = 0; i < n_few; ++i) h.remove(few[i]);
  for (const auto name : more) h.remove(name);
  for (const char* name : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                           "upgrade", "http2-settings", "te"})
    h.remove(name);
  if (trailers) h.add("te", "trailers");
  return trailers;
}

}  // namespace strata::filter::forwarding

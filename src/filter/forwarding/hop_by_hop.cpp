#include "filter/forwarding/hop_by_hop.hpp"

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

HopByHop::HopByHop(const http::Headers& h) {
  for (const auto& f : h) {
    if (http::iequals(f.name, "connection")) {
      for_each_token(f.value, [&](std::string_view t) {
        if (n_few_ < few_.size()) few_[n_few_++] = t;
        else more_.push_back(t);
      });
    } else if (http::iequals(f.name, "te")) {
      for_each_token(f.value, [&](std::string_view t) {
        if (http::iequals(t, "trailers")) trailers_ = true;
      });
    }
  }
}

bool HopByHop::drops(std::string_view name) const {
  switch (name.size()) {  // the fields that are always hop-by-hop
    case 2:
      if (http::iequals(name, "te")) return true;
      break;
    case 7:
      if (http::iequals(name, "upgrade")) return true;
      break;
    case 10:
      if (http::iequals(name, "connection") || http::iequals(name, "keep-alive")) return true;
      break;
    case 14:
      if (http::iequals(name, "http2-settings")) return true;
      break;
    case 16:
      if (http::iequals(name, "proxy-connection")) return true;
      break;
    case 17:
      if (http::iequals(name, "transfer-encoding")) return true;
      break;
    default:
      break;
  }
  for (std::size_t i = 0; i < n_few_; ++i)
    if (http::iequals(name, few_[i])) return true;
  for (const auto t : more_)
    if (http::iequals(name, t)) return true;
  return false;
}

bool strip_hop_by_hop(http::Headers& h) {
  const HopByHop hop(h);
  h.remove_if([&](const http::Header& f) { return hop.drops(f.name); });
  if (hop.trailers()) h.add("te", "trailers");
  return hop.trailers();
}

}  // namespace strata::filter::forwarding

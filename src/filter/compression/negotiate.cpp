#include "filter/compression/negotiate.hpp"

#include <array>

#include "http/ows.hpp"
#include "http/headers.hpp"

namespace strata::filter::compression {

namespace {

using http::trim_ows;

// The q of one element's parameters ("q=0.5"); 1000 when absent.
std::optional<int> element_q(std::string_view params) {
  int q = 1000;
  while (!params.empty()) {
    const auto semi = params.find(';');
    std::string_view p = trim_ows(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    const auto eq = p.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = trim_ows(p.substr(0, eq));
    if (name != "q" && name != "Q") continue;
    auto v = parse_qvalue(trim_ows(p.substr(eq + 1)));
    if (!v) return std::nullopt;
    q = *v;
  }
  return q;
}

}  // namespace

std::optional<int> parse_qvalue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  const int whole = s[0] - '0';
  if (s.size() == 1) return whole * 1000;
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  int frac = 0, scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    frac += (s[i] - '0') * scale;
  }
  if (whole == 1 && frac != 0) return std::nullopt;
  return whole * 1000 + frac;
}

std::optional<Encoding> negotiate(std::string_view accept_encoding,
                                  std::span<const Encoding> preference) {
  std::array<int, kEncodings> q;
  q.fill(-1);  // -1: not listed
  int star = -1, identity = -1;
  std::string_view rest = accept_encoding;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view el = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto semi = el.find(';');
    const std::string_view name = trim_ows(el.substr(0, semi));
    if (name.empty()) continue;
    const auto eq = element_q(semi == std::string_view::npos ? std::string_view{}
                                                               : el.substr(semi + 1));
    if (!eq) continue;
    int* slot = nullptr;
    if (name == "*") slot = &star;
    else if (http::iequals(name, "identity")) slot = &identity;
    else if (http::iequals(name, "gzip") || http::iequals(name, "x-gzip"))
      slot = &q[std::size_t(Encoding::gzip)];
    else if (http::iequals(name, "br")) slot = &q[std::size_t(Encoding::br)];
    else if (http::iequals(name, "zstd")) slot = &q[std::size_t(Encoding::zstd)];
    if (slot && *slot < 0) *slot = *eq;
  }
  std::optional<Encoding> best;
  int best_q = 0;
  for (const Encoding e : preference) {
    int v = q[std::size_t(e)];
    if (v < 0) v = star < 0 ? 0 : star;
    if (v > best_q) best = e, best_q = v;
  }
  if (best && identity > best_q) return std::nullopt;
  return best;
}

}  // namespace strata::filter::compression

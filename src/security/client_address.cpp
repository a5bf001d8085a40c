#include "security/client_address.hpp"

#include "http/headers.hpp"
#include "http/ows.hpp"

namespace strata::security {

namespace {

// "[v6]:port" / "[v6]" -> v6; "a.b.c.d:port" -> a.b.c.d; otherwise as is.
std::string_view strip_port(std::string_view s) {
  if (s.starts_with('[')) {
    const auto close = s.find(']');
    return close == std::string_view::npos ? s : s.substr(1, close - 1);
  }
  const auto colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos)
    return s.substr(0, colon);  // one colon: IPv4 (or a name) with a port
  return s;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Splits on `sep` outside double quotes.
std::vector<std::string_view> split_unquoted(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && quoted) {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (s[i] == sep && !quoted) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

}  // namespace

std::vector<std::string_view> xff_hops(std::string_view value) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    out.push_back(strip_port(http::trim_ows(value.substr(start, comma - start))));
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> forwarded_for_hops(std::string_view value) {
  std::vector<std::string> out;
  for (auto element : split_unquoted(value, ',')) {
    std::string hop;
    for (auto pair : split_unquoted(element, ';')) {
      pair = http::trim_ows(pair);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || !iequal(http::trim_ows(pair.substr(0, eq)), "for")) continue;
      auto v = http::trim_ows(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
        for (std::size_t i = 0; i < v.size(); ++i) {
          if (v[i] == '\\' && i + 1 < v.size()) ++i;
          hop += v[i];
        }
      } else {
        hop = std::string(v);
      }
      hop = std::string(strip_port(hop));
      break;
    }
    out.push_back(std::move(hop));
  }
  return out;
}

ClientAddressResolver::ClientAddressResolver(const config::ClientAddress& c)
    : trusted_(c.trusted_proxies), forwarded_(c.real_ip_header == "forwarded") {}

std::optional<std::string> ClientAddressResolver::from_headers(std::string_view peer,
                                                               const http::Headers& h) const {
  if (trusted_.empty()) return std::nullopt;
  const auto p = parse_ip(peer);
  if (!p || !trusted_.contains(*p)) return std::nullopt;
  const std::string value = h.joined(forwarded_ ? "forwarded" : "x-forwarded-for");
  if (value.empty()) return std::nullopt;
  std::vector<std::string> hops;
  if (forwarded_) {
    hops = forwarded_for_hops(value);
  } else {
    for (auto s : xff_hops(value)) hops.emplace_back(s);
  }
  IpAddr client = *p;  // the nearest trusted address so far
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const auto a = parse_ip(*it);
    if (!a) break;  // not an address: stop at the last trusted one
    client = *a;
    if (!trusted_.contains(*a)) break;  // the rightmost untrusted hop
  }
  if (client == *p) return std::nullopt;
  return to_string(client);
}

}  // namespace strata::security

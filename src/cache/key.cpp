#include "cache/key.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "cache/encoded_variant.hpp"

namespace strata::cache {

namespace {

std::string normalize(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == ' ' || c == '\t') {
      // Keep inner spaces that are not next to a comma or an end.
      if (out.empty() || out.back() == ',') continue;
      std::size_t j = i;
      while (j < v.size() && (v[j] == ' ' || v[j] == '\t')) ++j;
      if (j == v.size() || v[j] == ',') { i = j - 1; continue; }
      out += ' ';
      i = j - 1;
      continue;
    }
    out += c;
  }
  return out;
}

std::string_view cookie_value(const http::Headers& h, std::string_view name) {
  for (const auto& f : h) {
    if (f.name != "cookie") continue;
    std::string_view s = f.value;
    while (!s.empty()) {
      auto semi = s.find(';');
      auto item = s.substr(0, semi);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      auto eq = item.find('=');
      if (eq != std::string_view::npos && item.substr(0, eq) == name) return item.substr(eq + 1);
      if (semi == std::string_view::npos) break;
      s.remove_prefix(semi + 1);
    }
  }
  return {};
}

// Accept-* values are case-insensitive lists; Accept-Language and
// Accept-Encoding also ignore the members' order (equal preferences), so
// "en, DE" and "de,en" select the same variant.
std::string vary_value(std::string_view name, std::string_view raw) {
  std::string v = normalize(raw);
  if (!name.starts_with("accept")) return v;
  v = http::to_lower(v);
  if (name != "accept-language" && name != "accept-encoding") return v;
  std::vector<std::string_view> parts;
  std::string_view s = v;
  while (true) {
    auto c = s.find(',');
    parts.push_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

}  // namespace

std::string request_url(const http::Request& r) {
  std::string u = r.scheme.empty() ? "http" : r.scheme;
  u += "://";
  u += http::to_lower(r.authority);
  u += r.target;
  return u;
}

std::string primary_key(const http::Request& r, std::string_view client_ip,
                        const config::CacheKeyParts& parts) {
  std::string k = r.scheme.empty() ? "http" : r.scheme;
  k += "://";
  k += http::to_lower(r.authority);
  if (parts.query) k += r.target;
  else k += r.path();
  for (const auto& h : parts.headers) {
    k += '\n';
    k += h;
    k += ':';
    k += normalize(r.headers.joined(h));
  }
  for (const auto& c : parts.cookies) {
    k += "\ncookie:";
    k += c;
    k += '=';
    k += cookie_value(r.headers, c);
  }
  if (parts.client_prefix) {
    k += "\nclient:";
    k += client_network(client_ip);
  }
  return k;
}

std::vector<std::string> vary_names(const http::Headers& response,
                                    const std::vector<std::string>& route_vary, bool& star) {
  star = false;
  std::vector<std::string> names;
  auto add = [&](std::string_view n) {
    while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.remove_prefix(1);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    if (n.empty()) return;
    if (n == "*") { star = true; return; }
    auto l = http::to_lower(n);
    for (const auto& x : names)
      if (x == l) return;
    names.push_back(std::move(l));
  };
  for (const auto& f : response) {
    if (f.name != "vary") continue;
    std::string_view s = f.value;
    while (true) {
      auto c = s.find(',');
      add(s.substr(0, c));
      if (c == std::string_view::npos) break;
      s.remove_prefix(c + 1);
    }
  }
  for (const auto& v : route_vary) add(v);
  return names;
}

std::vector<Field> vary_values(const std::vector<std::string>& names, const http::Headers& req) {
  std::vector<Field> out;
  out.reserve(names.size());
  for (const auto& n : names) out.push_back({n, vary_value(n, req.joined(n))});
  return out;
}

bool vary_matches(const Object& o, const http::Headers& req, std::string_view coding) {
  if (o.vary_star) return false;
  for (const auto& f : o.vary) {
    if (f.name == kCodingMember) {
      if (coding.empty() || f.value != coding) return false;
      continue;
    }
    if (vary_value(f.name, req.joined(f.name)) != f.value) return false;
  }
  return true;
}

std::string client_network(std::string_view ip) {
  std::string s(ip);
  unsigned char b[16];
  char buf[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), b) == 1) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.0/24", b[0], b[1], b[2]);
    return buf;
  }
  if (inet_pton(AF_INET6, s.c_str(), b) == 1) {
    for (int i = 8; i < 16; ++i) b[i] = 0;
    if (inet_ntop(AF_INET6, b, buf, sizeof buf)) return std::string(buf) + "/64";
  }
  return s;
}

}  // namespace strata::cache

#include "codec/websocket/permessage_deflate.hpp"

#include <algorithm>

#include "codec/http1/syntax.hpp"
#include "http/headers.hpp"

namespace strata::codec::websocket {

namespace {

using codec::http1::trim_ows;

// Splits at `sep` outside quoted strings.
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == sep && !quoted) {
      out.push_back(trim_ows(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim_ows(s.substr(start)));
  return out;
}

// "8".."15" (a quoted-string is allowed and unquoted first, RFC 7692 5.1).
std::optional<std::uint8_t> window_bits(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 2 || v[0] == '0') return std::nullopt;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n < 8 || n > 15) return std::nullopt;
  return std::uint8_t(n);
}

struct Param {
  std::string_view name, value;
  bool has_value = false;
};

std::optional<Param> parse_param(std::string_view p) {
  Param out;
  const std::size_t eq = p.find('=');
  out.name = trim_ows(p.substr(0, eq));
  if (eq != std::string_view::npos) {
    out.value = trim_ows(p.substr(eq + 1));
    out.has_value = true;
    if (out.value.empty()) return std::nullopt;
  }
  if (out.name.empty()) return std::nullopt;
  return out;
}

// Parses the parameters of one permessage-deflate element; `response`
// selects the rules of a server response (client_max_window_bits needs a
// value there).
std::optional<DeflateOffer> parse_element(const std::vector<std::string_view>& parts, bool response) {
  DeflateOffer o;
  bool seen[4] = {false, false, false, false};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto p = parse_param(parts[i]);
    if (!p) return std::nullopt;
    int idx;
    if (http::iequals(p->name, "server_no_context_takeover")) idx = 0;
    else if (http::iequals(p->name, "client_no_context_takeover")) idx = 1;
    else if (http::iequals(p->name, "server_max_window_bits")) idx = 2;
    else if (http::iequals(p->name, "client_max_window_bits")) idx = 3;
    else return std::nullopt;  // unknown parameter
    if (seen[idx]) return std::nullopt;  // duplicate
    seen[idx] = true;
    switch (idx) {
      case 0:
      case 1:
        if (p->has_value) return std::nullopt;
        (idx == 0 ? o.server_no_context_takeover : o.client_no_context_takeover) = true;
        break;
      case 2: {
        if (!p->has_value) return std::nullopt;
        const auto bits = window_bits(p->value);
        if (!bits) return std::nullopt;
        o.server_max_window_bits = *bits;
        break;
      }
      case 3:
        o.client_max_window_bits = true;
        if (p->has_value) {
          const auto bits = window_bits(p->value);
          if (!bits) return std::nullopt;
          o.client_max_window_bits_value = *bits;
        } else if (response) {
          return std::nullopt;
        }
        break;
    }
  }
  return o;
}

}  // namespace

std::vector<DeflateOffer> parse_deflate_offers(std::string_view extensions) {
  std::vector<DeflateOffer> out;
  for (std::string_view element : split(extensions, ',')) {
    const auto parts = split(element, ';');
    if (!http::iequals(parts[0], "permessage-deflate")) continue;
    if (auto o = parse_element(parts, false)) out.push_back(*o);
  }
  return out;
}

std::optional<DeflateParams> negotiate_deflate(std::string_view extensions, const DeflatePolicy& policy) {
  if (!policy.enabled) return std::nullopt;
  const auto our_server_bits = std::uint8_t(std::clamp<int>(policy.server_max_window_bits, 9, 15));
  const auto our_client_bits = std::uint8_t(std::clamp<int>(policy.client_max_window_bits, 8, 15));
  for (const DeflateOffer& o : parse_deflate_offers(extensions)) {
    if (o.server_max_window_bits == 8) continue;  // zlib cannot compress with a 256-byte window
    DeflateParams p;
    p.server_no_context_takeover = o.server_no_context_takeover || policy.server_no_context_takeover;
    p.client_no_context_takeover = o.client_no_context_takeover || policy.client_no_context_takeover;
    p.server_max_window_bits =
        o.server_max_window_bits ? std::min(o.server_max_window_bits, our_server_bits) : our_server_bits;
    // A client window limit can be asked only of clients that offered the
    // parameter; their own value (if any) already binds them.
    if (o.client_max_window_bits) {
      const std::uint8_t offered = o.client_max_window_bits_value ? o.client_max_window_bits_value : 15;
      p.client_max_window_bits = std::min(offered, our_client_bits);
    }
    return p;
  }
  return std::nullopt;
}

std::string deflate_response(const DeflateParams& p) {
  std::string out = "permessage-deflate";
  if (p.server_no_context_takeover) out += "; server_no_context_takeover";
  if (p.client_no_context_takeover) out += "; client_no_context_takeover";
  if (p.server_max_window_bits < 15)
    out += "; server_max_window_bits=" + std::to_string(p.server_max_window_bits);
  if (p.client_max_window_bits < 15)
    out += "; client_max_window_bits=" + std::to_string(p.client_max_window_bits);
  return out;
}

bool can_share_deflated_frames(const DeflateParams& p) {
  return p.server_no_context_takeover && p.server_max_window_bits == 15;
}

std::string deflate_client_offer() {
  return "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
         "client_max_window_bits";
}

std::optional<DeflateParams> parse_deflate_response(std::string_view value) {
  const auto elements = split(value, ',');
  std::optional<DeflateParams> out;
  for (std::string_view element : elements) {
    const auto parts = split(element, ';');
    if (!http::iequals(parts[0], "permessage-deflate")) return std::nullopt;  // not offered
    if (out) return std::nullopt;                                               // twice
    const auto o = parse_element(parts, true);
    // We compress with zlib, which cannot use a 256-byte window.
    if (!o || o->client_max_window_bits_value == 8) return std::nullopt;
    DeflateParams p;
    p.server_no_context_takeover = o->server_no_context_takeover;
    p.client_no_context_takeover = o->client_no_context_takeover;
    if (o->server_max_window_bits) p.server_max_window_bits = o->server_max_window_bits;
    if (o->client_max_window_bits) p.client_max_window_bits = o->client_max_window_bits_value;
    out = p;
  }
  return out;
}

}  // namespace strata::codec::websocket

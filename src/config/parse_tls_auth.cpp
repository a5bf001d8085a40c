// TLS-related authentication settings (config/security.hpp, docs/security.md):
// a route's `security.jwt` and `security.hsts`, and a listener's
// `tls.client_certificates` (read by parse_listeners.cpp's parse_tls).
// Files are resolved against the config file's directory and must be
// readable when the config is loaded (their content is checked when the
// listener or route is built: a bad key or CA fails the start or reload).
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "config/parse.hpp"

namespace strata::config::detail {

namespace {

std::string readable(const Doc& d, const Val& v, std::string_view what) {
  auto s = as_string(d, v, what);
  if (s.empty()) d.fail(v.loc, fmt::format("{}: must not be empty", what));
  s = d.resolve_path(s);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(s, ec))
    d.fail(v.loc, fmt::format("{}: '{}' does not exist or is not a regular file", what, s));
  std::ifstream in(s, std::ios::binary);
  if (!in) d.fail(v.loc, fmt::format("{}: cannot read '{}'", what, s));
  return s;
}

// A cookie name: an RFC 6265 token.
bool cookie_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(char(c)) != std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

RouteJwt parse_route_jwt(const Doc& d, const Val& v) {
  MapReader m(d, v, "jwt",
              {"hs256_secret_file", "rs256_public_key_file", "es256_public_key_file", "jwks_file",
               "audience", "issuer", "leeway", "header", "cookie", "claims_to_headers"});
  RouteJwt j;
  if (auto f = m.get("hs256_secret_file")) j.hs256_secret_file = readable(d, *f, "hs256_secret_file");
  if (auto f = m.get("rs256_public_key_file"))
    j.rs256_public_key_file = readable(d, *f, "rs256_public_key_file");
  if (auto f = m.get("es256_public_key_file"))
    j.es256_public_key_file = readable(d, *f, "es256_public_key_file");
  if (auto f = m.get("jwks_file")) j.jwks_file = readable(d, *f, "jwks_file");
  if (j.hs256_secret_file.empty() && j.rs256_public_key_file.empty() &&
      j.es256_public_key_file.empty() && j.jwks_file.empty())
    d.fail(v.loc, "jwt: give at least one key (hs256_secret_file, rs256_public_key_file, "
                  "es256_public_key_file, jwks_file)");
  opt_string(m, "audience", j.audience);
  opt_string(m, "issuer", j.issuer);
  if (auto l = m.get("leeway")) {
    auto dur = as_duration(d, *l, "leeway");
    if (dur > Duration(std::chrono::hours(1))) d.fail(l->loc, "leeway: must be at most 1h");
    j.leeway = std::chrono::duration_cast<std::chrono::seconds>(dur);
  }
  if (auto h = m.get("header")) j.header = header_name(d, *h, "header");
  if (auto c = m.get("cookie")) {
    j.cookie = as_string(d, *c, "cookie");
    if (!cookie_token(j.cookie))
      d.fail(c->loc, fmt::format("cookie: '{}' is not a cookie name", j.cookie));
  }
  if (auto c = m.get("claims_to_headers")) {
    MapReader cm(d, *c, "claims_to_headers");
    for (const auto& e : cm.entries()) {
      if (e.key.empty()) d.fail(e.key_loc, "claims_to_headers: empty claim name");
      auto h = header_name(d, e.value, "claims_to_headers header");
      for (const auto& [claim, other] : j.claims_to_headers)
        if (other == h)
          d.fail(e.value.loc, fmt::format("claims_to_headers: header '{}' is already used by "
                                          "claim '{}'",
                                          h, claim));
      j.claims_to_headers.emplace_back(e.key, std::move(h));
    }
  }
  return j;
}

Hsts parse_hsts(const Doc& d, const Val& v) {
  Hsts h;
  if (v.node.IsScalar() && !v.node.IsNull()) {  // `hsts: true` = the defaults
    if (!as_bool(d, v, "hsts")) d.fail(v.loc, "hsts: use 'true' or a mapping; leave it out for none");
    return h;
  }
  MapReader m(d, v, "hsts", {"max_age", "include_subdomains", "preload"});
  if (auto a = m.get("max_age")) {
    auto dur = as_duration(d, *a, "max_age");
    if (dur > Duration(std::chrono::hours(24 * 365 * 2)))
      d.fail(a->loc, "max_age: must be at most 2 years");
    h.max_age = std::chrono::duration_cast<std::chrono::seconds>(dur);
  }
  opt_bool(m, "include_subdomains", h.include_subdomains);
  opt_bool(m, "preload", h.preload);
  if (h.preload && (!h.include_subdomains || h.max_age < std::chrono::seconds(31536000)))
    d.fail(m.get("preload")->loc,
           "preload: needs include_subdomains: true and max_age of at least 1 year (hstspreload.org)");
  return h;
}

ClientCertificates parse_client_certificates(const Doc& d, const Val& v) {
  MapReader m(d, v, "client_certificates",
              {"mode", "ca_file", "verify_depth", "subject_header", "san_header"});
  ClientCertificates c;
  if (auto md = m.get("mode")) c.mode = as_enum(d, *md, "mode", {"off", "optional", "required"});
  if (auto f = m.get("ca_file")) c.ca_file = readable(d, *f, "ca_file");
  if (c.mode != "off" && c.ca_file.empty())
    d.fail(m.loc(), fmt::format("client_certificates: mode {} needs ca_file", c.mode));
  opt_uint(m, "verify_depth", c.verify_depth, 1, 100);
  if (auto h = m.get("subject_header")) {
    c.subject_header = as_string(d, *h, "subject_header");
    if (!c.subject_header.empty()) c.subject_header = header_name(d, *h, "subject_header");
  }
  if (auto h = m.get("san_header")) {
    c.san_header = as_string(d, *h, "san_header");
    if (!c.san_header.empty()) c.san_header = header_name(d, *h, "san_header");
  }
  if (!c.subject_header.empty() && c.subject_header == c.san_header)
    d.fail(m.get("san_header")->loc, "san_header: must differ from subject_header");
  return c;
}

}  // namespace strata::config::detail

// A route's `security:` section (config/security.hpp) and the key parts
// shared by rate limits and rules. Each part is read by the file that owns
// it (parse.hpp lists them).
#include "config/parse.hpp"

namespace strata::config::detail {

RouteSecurity parse_route_security(const Doc& d, const Val& v) {
  MapReader m(d, v, "route security",
              {"access", "require_client_subject", "jwt", "rate_limits", "hsts"});
  RouteSecurity s;
  if (auto a = m.get("access")) s.access = parse_ip_access(d, *a);
  if (auto r = m.get("require_client_subject")) {
    s.require_client_subject = regex_value(d, *r, "require_client_subject");
  }
  if (auto j = m.get("jwt")) s.jwt = parse_route_jwt(d, *j);
  if (auto r = m.get("rate_limits")) s.rate_limits = parse_rate_limits(d, *r);
  if (auto h = m.get("hsts")) s.hsts = parse_hsts(d, *h);
  return s;
}

// A key: a list of parts, each "client_prefix", "client_ip", "route",
// "header:<name>", "cookie:<name>" or "jwt:<claim>"; a single string is a
// one-part key.
std::vector<KeyPart> parse_key(const Doc& d, const Val& v) {
  std::vector<Val> items;
  if (v.node.IsSequence())
    items = as_seq(d, v, "key");
  else
    items.push_back(v);
  if (items.empty()) d.fail(v.loc, "key: must name at least one part");
  std::vector<KeyPart> out;
  for (const auto& it : items) {
    const auto s = as_string(d, it, "key");
    const auto colon = s.find(':');
    KeyPart p{s.substr(0, colon), colon == std::string::npos ? "" : s.substr(colon + 1)};
    const bool named = p.kind == "header" || p.kind == "cookie" || p.kind == "jwt";
    const bool plain = p.kind == "client_prefix" || p.kind == "client_ip" || p.kind == "route";
    if (!named && !plain)
      d.fail(it.loc, "key: unknown part '" + s +
                         "' (expected client_prefix, client_ip, route, header:<name>, "
                         "cookie:<name> or jwt:<claim>)");
    if (named && p.name.empty()) d.fail(it.loc, "key: '" + p.kind + ":' needs a name");
    if (plain && colon != std::string::npos) d.fail(it.loc, "key: '" + p.kind + "' takes no name");
    if (p.kind == "header") p.name = header_name_text(d, it.loc, p.name, "key header");
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace strata::config::detail

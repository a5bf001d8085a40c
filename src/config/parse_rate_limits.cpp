// A route's `security.rate_limits:` list (config::RateLimit, docs/config.md
// "Rate limits"), and the check that global limits have a `redis:` section.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "config/parse.hpp"

namespace strata::config::detail {

namespace {

// A positive finite number ("10", "0.5", "1e3").
double as_positive(const Doc& d, const Val& v, std::string_view what, double max) {
  if (!v.node.IsScalar()) d.fail(v.loc, fmt::format("{}: expected a number", what));
  const std::string& s = v.node.Scalar();
  char* end = nullptr;
  const double x = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(x))
    d.fail(v.loc, fmt::format("{}: expected a number, got '{}'", what, s));
  if (!(x > 0) || x > max) d.fail(v.loc, fmt::format("{}: {} is out of range (0, {}]", what, s, max));
  return x;
}

RateLimit parse_rate_limit(const Doc& d, const Val& v) {
  MapReader m(d, v, "rate limit",
              {"name", "rate", "per", "burst", "key", "ipv4_prefix", "ipv6_prefix", "dry_run",
               "max_keys", "status", "global", "local_allowance"});
  RateLimit l;
  if (auto n = m.get("name")) {
    l.name = as_string(d, *n, "name");
    if (l.name.empty()) d.fail(n->loc, "name: must not be empty");
  }
  l.rate = as_positive(d, m.require("rate"), "rate", 1e9);
  opt_duration(m, "per", l.per, std::chrono::milliseconds(1));
  if (auto p = m.get("per"); p && l.per.count() <= 0) d.fail(p->loc, "per: must be at least 1ms");
  opt_uint(m, "burst", l.burst, 0, 100'000'000);
  if (auto k = m.get("key")) l.key = parse_key(d, *k);
  opt_uint(m, "ipv4_prefix", l.ipv4_prefix, 1, 32);
  opt_uint(m, "ipv6_prefix", l.ipv6_prefix, 1, 128);
  opt_bool(m, "dry_run", l.dry_run);
  opt_uint(m, "max_keys", l.max_keys, 1, 100'000'000);
  if (auto s = m.get("status")) {
    l.status = int(as_uint(d, *s, "status", 0, 999));
    if (l.status < 400 || l.status > 599) d.fail(s->loc, "status: must be 4xx or 5xx");
  }
  opt_bool(m, "global", l.global);
  if (auto a = m.get("local_allowance")) {
    if (!a->node.IsScalar()) d.fail(a->loc, "local_allowance: expected a number");
    const std::string& s = a->node.Scalar();
    char* end = nullptr;
    const double x = s.empty() ? NAN : std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(x >= 0 && x <= 1))
      d.fail(a->loc, fmt::format("local_allowance: expected a number in [0, 1], got '{}'", s));
    l.local_allowance = x;
  }
  return l;
}

}  // namespace

std::vector<RateLimit> parse_rate_limits(const Doc& d, const Val& v) {
  std::vector<RateLimit> out;
  std::unordered_set<std::string> names;
  for (const auto& e : as_seq(d, v, "rate_limits")) {
    RateLimit l = parse_rate_limit(d, e);
    if (!l.name.empty() && !names.insert(l.name).second)
      d.fail(MapReader(d, e, "rate limit").get("name")->loc,
             fmt::format("name: rate limit '{}' is already used on this route", l.name));
    out.push_back(std::move(l));
  }
  return out;
}

// After every section: a `global: true` rate limit needs the `redis:`
// section (the error points at the first such `global`).
void check_global_limits(const Doc& d, const Val& root, const Config& c) {
  if (c.redis) return;
  bool any = false;
  for (const auto& [table, routes] : c.route_tables)
    for (const auto& r : routes)
      for (const auto& l : r.security.rate_limits) any = any || l.global;
  if (!any) return;
  Location loc = root.loc;
  const auto tables = MapReader(d, root, "the configuration").get("route_tables");
  if (tables) {
    const MapReader tm(d, *tables, "route_tables");
    for (const auto& t : tm.entries()) {
      for (const auto& rv : as_seq(d, t.value, "route table")) {
        if (!rv.node.IsMap()) continue;
        const auto sec = MapReader(d, rv, "route").get("security");
        if (!sec || !sec->node.IsMap()) continue;
        const auto list = MapReader(d, *sec, "route security").get("rate_limits");
        if (!list) continue;
        for (const auto& lv : as_seq(d, *list, "rate_limits")) {
          const auto g = MapReader(d, lv, "rate limit").get("global");
          if (g && as_bool(d, *g, "global")) {
            d.fail(g->loc, "global: true needs a top-level redis: section (addresses of the Redis servers)");
          }
        }
      }
    }
  }
  d.fail(loc, "a global rate limit needs a top-level redis: section");
}

}  // namespace strata::config::detail

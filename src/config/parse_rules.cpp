// The top-level `security:` section: rules with penalties (config::Rule,
// docs/security.md "Rules and penalties", docs/config.md "security").
#include <fmt/format.h>
#include <re2/re2.h>

#include <array>
#include <cctype>
#include <cmath>
#include <unordered_set>

#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

constexpr std::array<std::string_view, 7> kCounters = {
    "requests", "new_connections", "early_data_requests", "replayed_early_data",
    "status_4xx", "status_5xx", "bytes"};
constexpr std::array<std::string_view, 3> kActions = {"rate_limit", "block", "tarpit"};
enum class Word : std::size_t {};


// match: {path | prefix | regex, methods: [..], headers: {name: regex}}
RuleMatch parse_rule_match(const Doc& d, const Val& v) {
  MapReader m(d, v, "rule match", {"path", "prefix", "regex", "methods", "headers"});
  RuleMatch rm;
  int n = 0;
  for (const char* k : {"path", "prefix", "regex"}) {
    auto p = m.get(k);
    if (!p) continue;
    if (++n > 1) d.fail(p->loc, "match: use only one of path, prefix, regex");
    const std::string_view key = k;
    if (key == "path") rm.path = path_value(d, *p, "path");
    else if (key == "prefix") rm.prefix = path_value(d, *p, "prefix");
    else rm.regex = regex_value(d, *p, "regex");
  }
  if (auto ms = m.get("methods")) {
    for (const auto& e : as_seq(d, *ms, "methods")) {
      auto s = as_string(d, e, "methods");
      bool ok = !s.empty();
      for (char c : s)
        ok = ok && std::isgraph(static_cast<unsigned char>(c)) && !std::islower(static_cast<unsigned char>(c));
      if (!ok) d.fail(e.loc, fmt::format("methods: '{}' is not a method (methods are upper case, e.g. GET)", s));
      rm.methods.push_back(std::move(s));
    }
  }
  if (auto hs = m.get("headers")) {
    MapReader hm(d, *hs, "rule match headers");
    for (const auto& e : hm.entries())
      rm.headers.emplace_back(header_name_text(d, e.key_loc, e.key, "match headers"),
                              regex_value(d, e.value, "match headers"));
  }
  return rm;
}

double positive_number(const Doc& d, const Val& v, std::string_view what) {
  if (!v.node.IsScalar()) d.fail(v.loc, fmt::format("{}: expected a number", what));
  const std::string& s = v.node.Scalar();
  char* end = nullptr;
  const double x = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(x))
    d.fail(v.loc, fmt::format("{}: expected a number, got '{}'", what, s));
  if (x <= 0) d.fail(v.loc, fmt::format("{}: must be greater than 0", what));
  return x;
}

void positive_duration(const MapReader& m, std::string_view key, std::chrono::milliseconds& out) {
  if (auto v = m.get(key)) {
    out = as_duration(m.doc(), *v, key);
    if (out.count() <= 0) m.doc().fail(v->loc, fmt::format("{}: must be greater than 0", key));
  }
}

Rule parse_rule(const Doc& d, const Val& v, Location& name_loc) {
  MapReader m(d, v, "rule",
              {"name", "counter", "key", "ipv4_prefix", "ipv6_prefix", "window", "threshold", "match",
               "action", "penalty_rate", "penalty_per", "penalty_burst", "block_close", "tarpit_delay",
               "duration", "max_keys", "dry_run"});
  Rule r;
  const auto name = m.require("name");
  name_loc = name.loc;
  r.name = as_string(d, name, "name");
  if (r.name.empty()) d.fail(name.loc, "name: must not be empty");
  for (char c : r.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      d.fail(name.loc, fmt::format("name: '{}' may only use letters, digits, '-', '_' and '.'", r.name));
  if (auto c = m.get("counter"))
    r.counter = kCounters[std::size_t(parse_enum<Word>(d, *c, "counter", kCounters))];
  if (auto k = m.get("key")) {
    r.key = parse_key(d, *k);
    const bool conn = r.counter == "new_connections";
    for (const auto& p : r.key) {
      if (p.kind == "route" || p.kind == "jwt")
        d.fail(k->loc, fmt::format("key: '{}' is not known when rules run (before routing); use "
                                   "client_prefix, client_ip, header:<name> or cookie:<name>",
                                   p.kind));
      if (conn && p.kind != "client_prefix" && p.kind != "client_ip")
        d.fail(k->loc, "key: a new_connections rule has no request: use client_prefix or client_ip");
    }
  }
  opt_uint(m, "ipv4_prefix", r.ipv4_prefix, 1, 32);
  opt_uint(m, "ipv6_prefix", r.ipv6_prefix, 1, 128);
  positive_duration(m, "window", r.window);
  r.threshold = as_uint(d, m.require("threshold"), "threshold", 1, ~0ull);
  if (auto mt = m.get("match")) {
    if (r.counter == "new_connections")
      d.fail(mt->loc, "match: a new_connections rule has no request to match");
    r.match = parse_rule_match(d, *mt);
  }
  if (auto a = m.get("action"))
    r.action = kActions[std::size_t(parse_enum<Word>(d, *a, "action", kActions))];
  auto only_for = [&](std::string_view key, std::string_view action) {
    if (auto x = m.get(key); x && r.action != action)
      d.fail(x->loc, fmt::format("{}: only for action {}", key, action));
  };
  only_for("penalty_rate", "rate_limit");
  only_for("penalty_per", "rate_limit");
  only_for("penalty_burst", "rate_limit");
  only_for("block_close", "block");
  only_for("tarpit_delay", "tarpit");
  if (auto x = m.get("penalty_rate")) r.penalty_rate = positive_number(d, *x, "penalty_rate");
  positive_duration(m, "penalty_per", r.penalty_per);
  opt_uint(m, "penalty_burst", r.penalty_burst, 1, 1'000'000'000);
  opt_bool(m, "block_close", r.block_close);
  positive_duration(m, "tarpit_delay", r.tarpit_delay);
  positive_duration(m, "duration", r.duration);
  opt_uint(m, "max_keys", r.max_keys, 1, 100'000'000);
  opt_bool(m, "dry_run", r.dry_run);
  return r;
}

}  // namespace

void parse_security(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "security", {"rules"});
  SecurityConfig s;
  if (auto rs = m.get("rules")) {
    std::unordered_set<std::string> names;
    for (const auto& e : as_seq(d, *rs, "rules")) {
      Location name_loc;
      auto r = parse_rule(d, e, name_loc);
      if (!names.insert(r.name).second)
        d.fail(name_loc, fmt::format("name: a rule named '{}' is already defined", r.name));
      s.rules.push_back(std::move(r));
    }
  }
  c.security = std::move(s);
}

}  // namespace strata::config::detail

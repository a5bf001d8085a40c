// The `redis:` section (config/redis.hpp, docs/config.md "Redis"): how
// strata reaches Redis. Parsed before `hub:` so hub.broker can require it.
#include <fmt/format.h>

#include <fstream>

#include "config/address.hpp"
#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

// A duration that must be > 0.
void positive_duration(const MapReader& m, std::string_view key, std::chrono::milliseconds& out) {
  if (auto v = m.get(key)) {
    out = as_duration(m.doc(), *v, key);
    if (out.count() <= 0) m.doc().fail(v->loc, fmt::format("{}: must be greater than 0", key));
  }
}

void parse_tls(const Doc& d, const Val& v, RedisConfig& r) {
  MapReader m(d, v, "redis tls", {"enabled", "ca_file", "server_name", "verify"});
  opt_bool(m, "enabled", r.tls);
  if (auto f = m.get("ca_file")) {
    r.tls_ca_file = as_string(d, *f, "ca_file");
    if (!r.tls_ca_file.empty()) {
      r.tls_ca_file = d.resolve_path(r.tls_ca_file);
      if (!std::ifstream(r.tls_ca_file)) d.fail(f->loc, fmt::format("ca_file: cannot read '{}'", r.tls_ca_file));
    }
  }
  if (auto s = m.get("server_name")) {
    r.tls_server_name = as_string(d, *s, "server_name");
    if (!r.tls_server_name.empty() && !valid_dns_name(r.tls_server_name))
      d.fail(s->loc, fmt::format("server_name: '{}' is not a DNS name", r.tls_server_name));
  }
  opt_bool(m, "verify", r.tls_verify);
}

}  // namespace

void parse_redis(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "redis",
              {"mode", "addresses", "username", "password", "password_file", "db", "tls", "connect_timeout",
               "command_timeout", "reconnect_min", "reconnect_max", "max_pending", "max_reply", "max_redirects",
               "topology_refresh"});
  RedisConfig r;
  if (auto s = m.get("mode"))
    r.mode = parse_enum<RedisMode>(d, *s, "mode", std::array<std::string_view, 3>{"standalone", "shards", "cluster"});
  if (auto a = m.get("addresses")) {
    r.addresses.clear();
    for (auto& e : as_seq(d, *a, "addresses")) {
      auto s = as_string(d, e, "address");
      std::string err;
      if (!parse_host_port(s, false, &err))
        d.fail(e.loc, fmt::format("addresses: '{}' is not host:port ([v6]:port){}", s, err.empty() ? "" : ": " + err));
      for (auto& prev : r.addresses)
        if (prev == s) d.fail(e.loc, fmt::format("addresses: '{}' is listed twice", s));
      r.addresses.push_back(std::move(s));
    }
    if (r.addresses.empty()) d.fail(a->loc, "addresses: give at least one host:port");
  }
  if (r.mode == RedisMode::standalone && r.addresses.size() != 1)
    d.fail(m.get("addresses")->loc, fmt::format("addresses: mode standalone takes exactly one address (got {}); "
                                                "use mode shards for several standalone Redis",
                                                r.addresses.size()));
  opt_string(m, "username", r.username);
  opt_string(m, "password", r.password);
  if (auto f = m.get("password_file")) {
    if (!r.password.empty()) d.fail(f->loc, "password_file: give password or password_file, not both");
    r.password_file = d.resolve_path(as_string(d, *f, "password_file"));
    if (!std::ifstream(r.password_file))
      d.fail(f->loc, fmt::format("password_file: cannot read '{}'", r.password_file));
  }
  if (!r.username.empty() && r.password.empty() && r.password_file.empty())
    d.fail(m.get("username")->loc, "username: needs password or password_file (AUTH username password)");
  opt_uint(m, "db", r.db, 0, 1'000'000);
  if (r.db != 0 && r.mode == RedisMode::cluster)
    d.fail(m.get("db")->loc, "db: Redis Cluster has only database 0");
  if (auto t = m.get("tls")) parse_tls(d, *t, r);
  positive_duration(m, "connect_timeout", r.connect_timeout);
  positive_duration(m, "command_timeout", r.command_timeout);
  positive_duration(m, "reconnect_min", r.reconnect_min);
  positive_duration(m, "reconnect_max", r.reconnect_max);
  if (r.reconnect_min > r.reconnect_max)
    d.fail((m.get("reconnect_max") ? m.get("reconnect_max") : m.get("reconnect_min"))->loc,
           fmt::format("reconnect_max: must be at least reconnect_min ({} ms > {} ms)", r.reconnect_min.count(),
                       r.reconnect_max.count()));
  opt_uint(m, "max_pending", r.max_pending, 1, kU32);
  opt_size(m, "max_reply", r.max_reply, 1024, 1ull << 40);
  opt_uint(m, "max_redirects", r.max_redirects, 0, 100);
  positive_duration(m, "topology_refresh", r.topology_refresh);
  c.redis = std::move(r);
}

}  // namespace strata::config::detail

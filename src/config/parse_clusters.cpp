// clusters: {name: {...}} — upstream endpoint groups.
#include <fmt/format.h>

#include <cctype>

#include "config/address.hpp"
#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

bool valid_cluster_name(std::string_view n) {
  if (n.empty() || n.size() > 128) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

HashOn parse_hash_on(const Doc& d, const Val& v) {
  HashOn h;
  if (v.node.IsScalar()) {
    as_enum(d, v, "hash_on", {"client_address"});
    h.kind = HashOn::Kind::client_address;
    return h;
  }
  MapReader m(d, v, "hash_on", {"header", "cookie"});
  if (m.entries().size() != 1)
    d.fail(v.loc, "hash_on: give exactly one of 'header: NAME', 'cookie: NAME' or 'client_address'");
  const auto& e = m.entries().front();
  if (e.key == "header") {
    h.kind = HashOn::Kind::header;
    h.name = header_name(d, e.value, "hash_on header");
  } else {
    h.kind = HashOn::Kind::cookie;
    h.name = as_string(d, e.value, "hash_on cookie");
    if (h.name.empty()) d.fail(e.value.loc, "hash_on cookie: must not be empty");
  }
  return h;
}

Endpoint parse_endpoint(const Doc& d, const Val& v) {
  Endpoint ep;
  ep.loc = v.loc;
  Val addr = v;
  if (!v.node.IsScalar()) {
    MapReader m(d, v, "endpoint", {"address", "weight", "priority", "region"});
    addr = m.require("address");
    opt_uint(m, "weight", ep.weight, 1, 10000);
    opt_uint(m, "priority", ep.priority, 0, 15);
    opt_string(m, "region", ep.region);
  }
  std::string err;
  auto hp = parse_host_port(as_string(d, addr, "endpoint address"), false, &err);
  if (!hp) d.fail(addr.loc, "endpoint address: " + err);
  ep.host = hp->host;
  ep.port = hp->port;
  return ep;
}

Cluster parse_cluster(const Doc& d, const std::string& name, const Location& name_loc, const Val& v) {
  if (!valid_cluster_name(name))
    d.fail(name_loc, fmt::format("cluster name '{}': use letters, digits, '_', '-' and '.'", name));
  MapReader m(d, v, "cluster",
              {"protocol", "lb", "hash_on", "endpoints", "tls", "sni", "tls_verify",
               "connect_timeout", "idle_timeout", "dns_refresh", "max_idle_per_endpoint",
               "max_connections_per_endpoint", "h2_max_streams_per_connection", "ring_size",
               "circuit_breaker", "limits", "health_check", "outlier_detection", "retry_budget",
               "connect_failure"},
              {"proxy_protocol"});
  Cluster c;
  c.name = name;
  c.loc = name_loc;
  if (auto p = m.get("protocol"))
    c.protocol = parse_enum<UpstreamProtocol>(d, *p, "protocol", kUpstreamProtocolNames);
  if (auto p = m.get("lb")) c.lb = parse_enum<LbPolicy>(d, *p, "lb", kLbPolicyNames);
  if (auto h = m.get("hash_on")) {
    if (c.lb != LbPolicy::ring_hash) d.fail(h->loc, "hash_on: only used with 'lb: ring_hash'");
    c.hash_on = parse_hash_on(d, *h);
  }
  auto eps = as_seq(d, m.require("endpoints"), "endpoints");
  if (eps.empty()) d.fail(m.get("endpoints")->loc, "endpoints: at least one endpoint is needed");
  for (const auto& e : eps) {
    Endpoint ep = parse_endpoint(d, e);
    for (const auto& o : c.endpoints)
      if (o.host == ep.host && o.port == ep.port)
        d.fail(e.loc, "endpoints: duplicate endpoint (use weight instead)");
    c.endpoints.push_back(std::move(ep));
  }
  c.tls = c.protocol == UpstreamProtocol::h2;
  if (auto t = m.get("tls")) {
    c.tls = as_bool(d, *t, "tls");
    if (!c.tls && c.protocol == UpstreamProtocol::h2)
      d.fail(t->loc, "tls: protocol h2 to an upstream always uses TLS (use h2c for cleartext)");
    if (c.tls && c.protocol == UpstreamProtocol::h2c)
      d.fail(t->loc, "tls: protocol h2c is cleartext; use protocol h2 for HTTP/2 over TLS");
  }
  if (auto s = m.get("sni")) {
    c.sni = as_string(d, *s, "sni");
    if (!c.tls) d.fail(s->loc, "sni: only used when tls is on");
    if (!valid_dns_name(c.sni)) d.fail(s->loc, fmt::format("sni: '{}' is not a host name", c.sni));
  }
  if (auto p = m.get("proxy_protocol")) {
    c.proxy_protocol = as_enum(d, *p, "proxy_protocol", {"off", "v1", "v2"});
    // One header names one client: a multiplexed connection cannot carry it.
    if (c.proxy_protocol != "off" && is_h2(c.protocol))
      d.fail(p->loc, "proxy_protocol: needs an HTTP/1.1 cluster (an HTTP/2 connection carries "
                     "many clients)");
  }
  if (auto s = m.get("tls_verify")) {
    c.tls_verify = as_bool(d, *s, "tls_verify");
    if (c.tls_verify && !c.tls) d.fail(s->loc, "tls_verify: only used when tls is on");
  }
  const Duration one(1);
  opt_duration(m, "connect_timeout", c.connect_timeout, one);
  opt_duration(m, "idle_timeout", c.idle_timeout, one);
  opt_duration(m, "dns_refresh", c.dns_refresh, Duration(1000));
  opt_uint(m, "max_idle_per_endpoint", c.max_idle_per_endpoint, 0, kU32);
  opt_uint(m, "max_connections_per_endpoint", c.max_connections_per_endpoint, 1, kU32);
  opt_uint(m, "h2_max_streams_per_connection", c.h2_max_streams_per_connection, 1, kU32);
  opt_uint(m, "ring_size", c.ring_size, 1, 1u << 20);
  if (auto b = m.get("circuit_breaker")) c.circuit_breaker = parse_circuit_breaker(d, *b);
  if (auto l = m.get("limits")) c.limits = parse_cluster_limits(d, *l);
  if (auto h = m.get("health_check")) c.health_check = parse_health_check(d, *h);
  if (auto o = m.get("outlier_detection")) c.outlier_detection = parse_outlier_detection(d, *o);
  if (auto r = m.get("retry_budget")) c.retry_budget = parse_retry_budget(d, *r);
  if (auto f = m.get("connect_failure")) c.connect_failure = parse_connect_failure(d, *f);
  return c;
}

}  // namespace

void parse_clusters(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "clusters");
  for (const auto& e : m.entries())
    c.clusters.emplace(e.key, parse_cluster(d, e.key, e.key_loc, e.value));
}

}  // namespace strata::config::detail

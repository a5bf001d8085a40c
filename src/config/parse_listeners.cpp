// listeners: [...] and their tls: blocks.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "config/address.hpp"
#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// "example.com" or "*.example.com".
bool valid_server_name(std::string_view n) {
  if (n.starts_with("*.")) n.remove_prefix(2);
  return valid_dns_name(n);
}

void check_readable(const Doc& d, const Val& v, const std::string& path, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    d.fail(v.loc, fmt::format("{}: '{}' does not exist or is not a regular file", what, path));
  std::ifstream f(path, std::ios::binary);
  if (!f) d.fail(v.loc, fmt::format("{}: '{}' is not readable", what, path));
}

TlsCertificate parse_certificate(const Doc& d, const Val& v) {
  MapReader m(d, v, "certificate", {"cert", "key", "server_names"});
  TlsCertificate c;
  auto cert = m.require("cert");
  c.cert_file = d.resolve_path(as_string(d, cert, "cert"));
  check_readable(d, cert, c.cert_file, "cert");
  auto key = m.require("key");
  c.key_file = d.resolve_path(as_string(d, key, "key"));
  check_readable(d, key, c.key_file, "key");
  if (auto sn = m.get("server_names")) {
    for (const auto& e : as_seq(d, *sn, "server_names")) {
      auto name = lower(as_string(d, e, "server_names"));
      if (!valid_server_name(name))
        d.fail(e.loc, fmt::format("server_names: '{}' is not a host name (wildcards only as a "
                                  "leading '*.')",
                                  name));
      c.server_names.push_back(std::move(name));
    }
  }
  return c;
}

Tls parse_tls(const Doc& d, const Val& v) {
  MapReader m(d, v, "tls",
              {"certificates", "self_signed", "min_version", "max_version", "ciphers",
               "ciphersuites", "groups", "session_tickets", "ticket_key_rotation"},
              {"client_certificates", "ocsp_file"});
  Tls t;
  if (auto cs = m.get("certificates"))
    for (const auto& e : as_seq(d, *cs, "certificates")) t.certificates.push_back(parse_certificate(d, e));
  opt_bool(m, "self_signed", t.self_signed);
  if (t.self_signed && !t.certificates.empty())
    d.fail(m.get("self_signed")->loc, "self_signed: cannot be combined with certificates");
  if (!t.self_signed && t.certificates.empty())
    d.fail(m.loc(), "tls: needs certificates or 'self_signed: true'");
  if (auto mv = m.get("min_version")) t.min_version = as_enum(d, *mv, "min_version", {"1.2", "1.3"});
  if (auto mv = m.get("max_version")) {
    t.max_version = as_enum(d, *mv, "max_version", {"1.2", "1.3"});
    if (t.max_version < t.min_version)
      d.fail(mv->loc, fmt::format("max_version {} is below min_version {}", t.max_version,
                                  t.min_version));
  } else if (t.max_version < t.min_version) {
    t.max_version = t.min_version;
  }
  opt_string(m, "ciphers", t.ciphers);
  opt_string(m, "ciphersuites", t.ciphersuites);
  opt_string(m, "groups", t.groups);
  opt_bool(m, "session_tickets", t.session_tickets);
  opt_duration(m, "ticket_key_rotation", t.ticket_key_rotation, Duration(1000));
  if (auto cc = m.get("client_certificates")) t.client_certificates = parse_client_certificates(d, *cc);
  if (auto o = m.get("ocsp_file")) {
    t.ocsp_file = d.resolve_path(as_string(d, *o, "ocsp_file"));
    check_readable(d, *o, t.ocsp_file, "ocsp_file");
  }
  return t;
}

std::vector<std::string> parse_protocols(const Doc& d, const Val& v, bool tls) {
  std::vector<std::string> out;
  auto items = as_seq(d, v, "protocols");
  if (items.empty()) d.fail(v.loc, "protocols: must not be empty");
  for (const auto& e : items) {
    auto p = as_enum(d, e, "protocols", {"h1", "h2", "h2c", "h3"});
    if (std::find(out.begin(), out.end(), p) != out.end())
      d.fail(e.loc, fmt::format("protocols: '{}' listed twice", p));
    if ((p == "h2" || p == "h3") && !tls)
      d.fail(e.loc, fmt::format("protocols: '{}' needs tls on the listener (use h2c for "
                                "cleartext HTTP/2)",
                                p));
    if (p == "h2c" && tls)
      d.fail(e.loc, "protocols: 'h2c' is cleartext HTTP/2; use 'h2' on a TLS listener");
    out.push_back(std::move(p));
  }
  return out;
}

Quic parse_quic(const Doc& d, const Val& v) {
  MapReader m(d, v, "quic",
              {"retry", "retry_threshold", "handshake_timeout", "idle_timeout", "drain_probe_timeouts",
               "max_streams_bidi",
               "stream_window", "connection_window", "congestion", "qlog_dir", "early_data",
               "replay_window", "replay_cache_entries", "token_lifetime", "retry_token_lifetime",
               "max_connections_per_source", "ipv4_prefix", "ipv6_prefix",
               "handshakes_per_second", "handshake_burst", "alt_svc_max_age", "gso"});
  Quic q;
  if (auto r = m.get("retry")) q.retry = as_enum(d, *r, "retry", {"never", "always", "under-load"});
  opt_uint(m, "retry_threshold", q.retry_threshold, 1, 1'000'000);
  opt_duration(m, "handshake_timeout", q.handshake_timeout, Duration(100));
  opt_duration(m, "idle_timeout", q.idle_timeout, Duration(100));
  opt_uint(m, "drain_probe_timeouts", q.drain_probe_timeouts, 0, 100);
  opt_uint(m, "max_streams_bidi", q.max_streams_bidi, 1, 100000);
  opt_size(m, "stream_window", q.stream_window, 1024, 1ull << 30);
  opt_size(m, "connection_window", q.connection_window, 1024, 1ull << 32);
  if (auto cc = m.get("congestion"))
    q.congestion = as_enum(d, *cc, "congestion", {"cubic", "bbr", "bbr2", "reno"});
  opt_string(m, "qlog_dir", q.qlog_dir);
  if (!q.qlog_dir.empty()) q.qlog_dir = d.resolve_path(q.qlog_dir);
  opt_bool(m, "early_data", q.early_data);
  opt_duration(m, "replay_window", q.replay_window, Duration(1000));
  opt_uint(m, "replay_cache_entries", q.replay_cache_entries, 16, 100'000'000);
  opt_duration(m, "token_lifetime", q.token_lifetime, Duration(1000));
  opt_duration(m, "retry_token_lifetime", q.retry_token_lifetime, Duration(1000));
  opt_uint(m, "max_connections_per_source", q.max_connections_per_source, 0, 10'000'000);
  opt_uint(m, "ipv4_prefix", q.ipv4_prefix, 8, 32);
  opt_uint(m, "ipv6_prefix", q.ipv6_prefix, 16, 128);
  if (auto h = m.get("handshakes_per_second")) {
    q.handshakes_per_second = double(as_uint(d, *h, "handshakes_per_second", 0, 10'000'000));
  }
  opt_uint(m, "handshake_burst", q.handshake_burst, 1, 10'000'000);
  opt_uint(m, "alt_svc_max_age", q.alt_svc_max_age, 0, 365u * 86400);
  opt_bool(m, "gso", q.gso);
  return q;
}

Listener parse_listener(const Doc& d, const Val& v, const Config& c, std::size_t index) {
  // "filters" joins the expected keys of the unknown-key message only when
  // the listener uses it (the message of other listeners stays as it was).
  const bool filters = MapReader(d, v, "listener").has("filters");
  MapReader m = filters ? MapReader(d, v, "listener",
                                    {"name", "address", "tls", "protocols", "routes", "alt_svc",
                                     "quic", "filters"}, {"security"})
                        : MapReader(d, v, "listener",
                                    {"name", "address", "tls", "protocols", "routes", "alt_svc",
                                     "quic"}, {"security"});
  Listener l;
  l.loc = v.loc;
  auto addr = m.require("address");
  std::string err;
  auto hp = parse_host_port(as_string(d, addr, "address"), true, &err);
  if (!hp) d.fail(addr.loc, "address: " + err);
  if (!hp->is_ip())
    d.fail(addr.loc, "address: the host must be an IP address, e.g. 0.0.0.0:8080 or [::]:8080");
  l.address = hp->to_string();
  for (const auto& o : c.listeners)  // port 0 asks the kernel for a fresh port: never a clash
    if (o.address == l.address && hp->port != 0)
      d.fail(addr.loc, fmt::format("address: {} is already used by listener '{}'", l.address,
                                   o.name));
  Location name_loc = m.loc();
  if (auto n = m.get("name")) {
    l.name = as_string(d, *n, "name");
    if (l.name.empty()) d.fail(n->loc, "name: must not be empty");
    name_loc = n->loc;
  } else {
    l.name = fmt::format("listener{}", index);
  }
  for (const auto& o : c.listeners)
    if (o.name == l.name) d.fail(name_loc, fmt::format("name: listener '{}' already exists", l.name));
  if (auto t = m.get("tls")) l.tls = parse_tls(d, *t);
  if (auto p = m.get("protocols"))
    l.protocols = parse_protocols(d, *p, l.tls.has_value());
  else if (l.tls)
    l.protocols = {"h1", "h2"};
  else
    l.protocols = {"h1", "h2c"};
  // HTTP/3 runs on GnuTLS (quic/), which does not ask for client
  // certificates: an h3 listener with mTLS would let clients around it.
  if (l.tls && l.tls->client_certificates.mode != "off" && l.has("h3"))
    d.fail(m.get("protocols")->loc, "protocols: 'h3' cannot be combined with "
                                    "tls.client_certificates (HTTP/3 does not ask for client "
                                    "certificates); serve h3 on another listener");
  if (auto r = m.get("routes")) {
    l.routes = as_string(d, *r, "routes");
    if (!c.route_tables.count(l.routes))
      d.fail(r->loc, fmt::format("routes: no route table named '{}'", l.routes));
  } else if (c.route_tables.size() == 1) {
    l.routes = c.route_tables.begin()->first;
  } else {
    d.fail(m.loc(), c.route_tables.empty()
                        ? "listener: no route_tables are defined, so it has nothing to serve"
                        : "listener: missing 'routes' (needed when there are several route tables)");
  }
  opt_bool(m, "alt_svc", l.alt_svc);
  if (auto f = m.get("filters")) l.filters = parse_filters(d, *f);
  if (auto s = m.get("security")) l.security = parse_listener_security(d, *s);
  if (auto q = m.get("quic")) {
    if (!l.has("h3")) d.fail(q->loc, "quic: the listener does not list h3 in protocols");
    l.quic = parse_quic(d, *q);
  }
  return l;
}

}  // namespace

void parse_listeners(const Doc& d, const Val& v, Config& c) {
  auto items = as_seq(d, v, "listeners");
  if (items.empty()) d.fail(v.loc, "listeners: at least one listener is needed");
  for (std::size_t i = 0; i < items.size(); ++i)
    c.listeners.push_back(parse_listener(d, items[i], c, i));
}

}  // namespace strata::config::detail

// to_json: the effective configuration, every field with defaults filled,
// in the same shape (and key names) the loader reads, so the output can be
// fed back to load_string. Durations are strings ("10s"); sizes are bytes.
#include <nlohmann/json.hpp>

#include "config/json_delivery.hpp"
#include "config/loader.hpp"
#include "config/redact.hpp"
#include "core/units.hpp"

namespace strata::config {
namespace {

using json = nlohmann::ordered_json;

std::string dur(Duration d) { return core::format_duration(d); }

json tls_json(const Tls& t) {
  json j;
  json certs = json::array();
  for (const auto& c : t.certificates)
    certs.push_back({{"cert", c.cert_file}, {"key", c.key_file}, {"server_names", c.server_names}});
  j["certificates"] = certs;
  j["self_signed"] = t.self_signed;
  j["min_version"] = t.min_version;
  j["max_version"] = t.max_version;
  j["ciphers"] = t.ciphers;
  j["ciphersuites"] = t.ciphersuites;
  j["groups"] = t.groups;
  j["session_tickets"] = t.session_tickets;
  j["ticket_key_rotation"] = dur(t.ticket_key_rotation);
  const auto& cc = t.client_certificates;
  if (cc.mode != "off")
    j["client_certificates"] = {{"mode", cc.mode},
                                {"ca_file", cc.ca_file},
                                {"verify_depth", cc.verify_depth},
                                {"subject_header", cc.subject_header},
                                {"san_header", cc.san_header}};
  if (!t.ocsp_file.empty()) j["ocsp_file"] = t.ocsp_file;
  return j;
}

// Route JWT: key files are paths (the secret stays in its file).
json route_jwt_json(const RouteJwt& r) {
  json j;
  if (!r.hs256_secret_file.empty()) j["hs256_secret_file"] = r.hs256_secret_file;
  if (!r.rs256_public_key_file.empty()) j["rs256_public_key_file"] = r.rs256_public_key_file;
  if (!r.es256_public_key_file.empty()) j["es256_public_key_file"] = r.es256_public_key_file;
  if (!r.jwks_file.empty()) j["jwks_file"] = r.jwks_file;
  j["audience"] = r.audience;
  j["issuer"] = r.issuer;
  j["leeway"] = dur(r.leeway);
  j["header"] = r.header;
  if (!r.cookie.empty()) j["cookie"] = r.cookie;
  json c = json::object();
  for (const auto& [claim, header] : r.claims_to_headers) c[claim] = header;
  j["claims_to_headers"] = c;
  return j;
}

json redis_json(const RedisConfig& r) {
  static constexpr const char* kModes[] = {"standalone", "shards", "cluster"};
  json j{{"mode", kModes[static_cast<int>(r.mode)]},
         {"addresses", r.addresses},
         {"username", r.username},
         {"db", r.db},
         {"tls", {{"enabled", r.tls}, {"ca_file", r.tls_ca_file}, {"server_name", r.tls_server_name},
                  {"verify", r.tls_verify}}},
         {"connect_timeout", dur(r.connect_timeout)},
         {"command_timeout", dur(r.command_timeout)},
         {"reconnect_min", dur(r.reconnect_min)},
         {"reconnect_max", dur(r.reconnect_max)},
         {"max_pending", r.max_pending},
         {"max_reply", r.max_reply},
         {"max_redirects", r.max_redirects},
         {"topology_refresh", dur(r.topology_refresh)}};
  if (!r.password.empty()) j["password"] = kRedacted;
  if (!r.password_file.empty()) j["password_file"] = r.password_file;
  return j;
}

// The top-level security rules (config/security.hpp), as parse_rules.cpp reads them.
json rules_json(const std::vector<Rule>& rules) {
  json arr = json::array();
  for (const auto& r : rules) {
    json key = json::array();
    for (const auto& p : r.key) key.push_back(p.name.empty() ? p.kind : p.kind + ":" + p.name);
    json j{{"name", r.name}, {"counter", r.counter}, {"key", key},
           {"ipv4_prefix", r.ipv4_prefix}, {"ipv6_prefix", r.ipv6_prefix},
           {"window", dur(r.window)}, {"threshold", r.threshold}, {"action", r.action}};
    json m = json::object();
    if (r.match.path) m["path"] = *r.match.path;
    if (r.match.prefix) m["prefix"] = *r.match.prefix;
    if (r.match.regex) m["regex"] = *r.match.regex;
    if (!r.match.methods.empty()) m["methods"] = r.match.methods;
    if (!r.match.headers.empty()) {
      json h = json::object();
      for (const auto& [name, re] : r.match.headers) h[name] = re;
      m["headers"] = h;
    }
    if (!m.empty()) j["match"] = m;
    if (r.action == "rate_limit") {
      j["penalty_rate"] = r.penalty_rate;
      j["penalty_per"] = dur(r.penalty_per);
      j["penalty_burst"] = r.penalty_burst;
    }
    if (r.action == "block") j["block_close"] = r.block_close;
    if (r.action == "tarpit") j["tarpit_delay"] = dur(r.tarpit_delay);
    j["duration"] = dur(r.duration);
    j["max_keys"] = r.max_keys;
    j["dry_run"] = r.dry_run;
    arr.push_back(std::move(j));
  }
  return arr;
}

json match_json(const Match& m) {
  json j;
  j["hosts"] = m.hosts;
  if (m.path) j["path"] = *m.path;
  if (m.prefix) j["prefix"] = *m.prefix;
  if (m.regex) j["regex"] = *m.regex;
  j["methods"] = m.methods;
  json hs = json::array();
  for (const auto& h : m.headers) {
    json hj{{"name", h.name}};
    // A match on a credential header's value would show the credential.
    const bool secret = secret_header(h.name);
    if (h.exact) hj["exact"] = secret ? std::string(kRedacted) : *h.exact;
    if (h.prefix) hj["prefix"] = secret ? std::string(kRedacted) : *h.prefix;
    if (h.regex) hj["regex"] = secret ? std::string(kRedacted) : *h.regex;
    hj["present"] = h.present;
    hs.push_back(hj);
  }
  j["headers"] = hs;
  return j;
}

struct ActionJson {
  json& route;
  void operator()(const ProxyAction& p) const {
    json j{{"cluster", p.cluster}};
    if (p.timeout) j["timeout"] = dur(*p.timeout);
    if (p.per_try_timeout) j["per_try_timeout"] = dur(*p.per_try_timeout);
    if (const auto& r = p.retry) {
      json on = json::array();
      if (r->on_connect_failure) on.push_back("connect-failure");
      if (r->on_refused_stream) on.push_back("refused-stream");
      if (r->on_reset) on.push_back("reset");
      if (r->on_gateway_error) on.push_back("gateway-error");
      if (r->on_5xx) on.push_back("5xx");
      for (int s : r->statuses) on.push_back(s);
      json rj{{"retry_on", on}, {"max_attempts", r->max_attempts},
              {"backoff_base", dur(r->backoff_base)}, {"backoff_max", dur(r->backoff_max)},
              {"allow_non_idempotent", r->allow_non_idempotent}};
      if (r->per_try_timeout) rj["per_try_timeout"] = dur(*r->per_try_timeout);
      j["retry"] = rj;
    }
    if (const auto& f = p.fallback) {
      json fj{{"clusters", f->clusters}};
      if (const auto& g = f->last_known_good)
        fj["last_known_good"] = {{"ttl", dur(g->ttl)}, {"max_entries", g->max_entries},
                                 {"max_bytes", g->max_bytes}};
      if (const auto& s = f->static_response)
        fj["static"] = {{"status", s->status}, {"body", s->body}, {"content_type", s->content_type}};
      j["fallback"] = fj;
    }
    if (p.prefix_rewrite) j["prefix_rewrite"] = *p.prefix_rewrite;
    if (p.host_rewrite) j["host_rewrite"] = *p.host_rewrite;
    route["proxy"] = j;
  }
  void operator()(const RespondAction& r) const {
    route["respond"] = {{"status", r.status}, {"body", r.body}, {"content_type", r.content_type}};
  }
  void operator()(const FilesAction& f) const {
    route["files"] = {{"root", f.root}, {"index", f.index}, {"strip_prefix", f.strip_prefix}};
  }
  void operator()(const RedirectAction& r) const {
    json j{{"status", r.status}};
    if (r.scheme) j["scheme"] = *r.scheme;
    if (r.host) j["host"] = *r.host;
    if (r.port) j["port"] = *r.port;
    if (r.path) j["path"] = *r.path;
    j["keep_query"] = r.keep_query;
    route["redirect"] = j;
  }
  void operator()(const HubAction& h) const {
    route["hub"] = {{"websocket", h.websocket}, {"sse", h.sse}, {"deflate", h.deflate},
                    {"no_context_takeover", h.no_context_takeover}};
  }
  void operator()(const HubApiAction&) const { route["hub_api"] = json::object(); }
};

json header_edits(const HeaderList& add, const std::vector<std::string>& remove) {
  json a = json::object();
  for (const auto& [k, v] : add) a[k] = secret_header(k) ? std::string(kRedacted) : v;
  return {{"add", a}, {"remove", remove}};
}

json filters_json(const std::vector<FilterConfig>& filters) {
  json arr = json::array();
  for (const auto& f : filters) {
    json j;
    if (f.type == "headers") {
      j["headers"] = {{"request", header_edits(f.headers.request_add, f.headers.request_remove)},
                      {"response", header_edits(f.headers.response_add, f.headers.response_remove)}};
    } else if (f.type == "compression") {
      j["compression"] = detail::compression_json(f.compression);
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

json access_json(const IpAccess& a) {
  json j = json::object();
  if (!a.allow.empty()) j["allow"] = a.allow;
  if (!a.deny.empty()) j["deny"] = a.deny;
  return j;
}

// Only when set: dumps of configs without listener security stay as they were.
json listener_security_json(const ListenerSecurity& s) {
  const auto& c = s.client;
  const auto& n = s.connections;
  return {{"client", {{"proxy_protocol", c.proxy_protocol},
                      {"proxy_protocol_timeout", dur(c.proxy_protocol_timeout)},
                      {"trusted_proxies", c.trusted_proxies},
                      {"real_ip_header", c.real_ip_header}}},
          {"access", access_json(s.access)},
          {"connections", {{"max_per_prefix", n.max_per_prefix},
                           {"ipv4_prefix", n.ipv4_prefix},
                           {"ipv6_prefix", n.ipv6_prefix},
                           {"max_tracked", n.max_tracked}}}};
}

json rate_limits_json(const std::vector<RateLimit>& limits) {
  json a = json::array();
  for (const auto& l : limits) {
    json key = json::array();
    for (const auto& k : l.key) key.push_back(k.name.empty() ? k.kind : k.kind + ":" + k.name);
    json o{{"rate", l.rate}, {"per", dur(l.per)}, {"burst", l.burst},
           {"key", key}, {"ipv4_prefix", l.ipv4_prefix}, {"ipv6_prefix", l.ipv6_prefix},
           {"dry_run", l.dry_run}, {"max_keys", l.max_keys}, {"status", l.status},
           {"global", l.global}, {"local_allowance", l.local_allowance}};
    if (!l.name.empty()) o["name"] = l.name;
    a.push_back(std::move(o));
  }
  return a;
}

json route_json(const Route& r) {
  json j{{"name", r.name}, {"match", match_json(r.match)}};
  std::visit(ActionJson{j}, r.action);
  j["request_headers"] = header_edits(r.request_headers_add, r.request_headers_remove);
  j["response_headers"] = header_edits(r.response_headers_add, r.response_headers_remove);
  j["early_data"] = r.early_data;
  if (!r.connect.empty()) j["connect"] = r.connect;
  if (!r.security.access.empty()) j["security"]["access"] = access_json(r.security.access);
  if (!r.security.require_client_subject.empty())
    j["security"]["require_client_subject"] = r.security.require_client_subject;
  if (r.security.jwt) j["security"]["jwt"] = route_jwt_json(*r.security.jwt);
  if (const auto& h = r.security.hsts)
    j["security"]["hsts"] = {{"max_age", dur(h->max_age)},
                             {"include_subdomains", h->include_subdomains},
                             {"preload", h->preload}};
  if (!r.security.rate_limits.empty())
    j["security"]["rate_limits"] = rate_limits_json(r.security.rate_limits);
  if (!r.filters.empty()) j["filters"] = filters_json(r.filters);
  if (r.cache) j["cache"] = detail::route_cache_json(*r.cache);
  j["early_hints"] = detail::early_hints_json(r.early_hints);
  if (r.priority) j["priority"] = detail::priority_json(*r.priority);
  return j;
}

std::string endpoint_address(const Endpoint& e) {
  if (e.host.find(':') != std::string::npos) return "[" + e.host + "]:" + std::to_string(e.port);
  return e.host + ":" + std::to_string(e.port);
}

json cluster_json(const Cluster& c) {
  json j{{"protocol", to_string(c.protocol)}, {"lb", to_string(c.lb)}};
  if (c.hash_on) {
    switch (c.hash_on->kind) {
      case HashOn::Kind::header: j["hash_on"] = {{"header", c.hash_on->name}}; break;
      case HashOn::Kind::cookie: j["hash_on"] = {{"cookie", c.hash_on->name}}; break;
      case HashOn::Kind::client_address: j["hash_on"] = "client_address"; break;
    }
  }
  json eps = json::array();
  for (const auto& e : c.endpoints) {
    json ej{{"address", endpoint_address(e)}, {"weight", e.weight}, {"priority", e.priority}};
    if (!e.region.empty()) ej["region"] = e.region;
    eps.push_back(ej);
  }
  j["endpoints"] = eps;
  j["tls"] = c.tls;
  if (c.proxy_protocol != "off") j["proxy_protocol"] = c.proxy_protocol;
  if (!c.sni.empty()) j["sni"] = c.sni;
  if (c.tls_verify) j["tls_verify"] = c.tls_verify;
  j["connect_timeout"] = dur(c.connect_timeout);
  j["idle_timeout"] = dur(c.idle_timeout);
  j["dns_refresh"] = dur(c.dns_refresh);
  j["max_idle_per_endpoint"] = c.max_idle_per_endpoint;
  j["max_connections_per_endpoint"] = c.max_connections_per_endpoint;
  j["h2_max_streams_per_connection"] = c.h2_max_streams_per_connection;
  j["ring_size"] = c.ring_size;
  if (const auto& b = c.circuit_breaker) {
    json on = json::array();
    if (b->on_connect_error) on.push_back("connect_error");
    if (b->on_timeout) on.push_back("timeout");
    if (b->on_reset) on.push_back("reset");
    if (b->on_5xx) on.push_back("5xx");
    for (int s : b->statuses) on.push_back(s);
    j["circuit_breaker"] = {{"failure_ratio", b->failure_ratio}, {"window", dur(b->window)},
                            {"min_requests", b->min_requests},
                            {"consecutive_failures", b->consecutive_failures},
                            {"open_duration", dur(b->open_duration)},
                            {"half_open_probes", b->half_open_probes},
                            {"close_after", b->close_after}, {"failure_on", on},
                            {"per_endpoint", b->per_endpoint}};
  }
  const auto& l = c.limits;
  j["limits"] = {{"max_connections", l.max_connections}, {"max_pending", l.max_pending},
                 {"pending_timeout", dur(l.pending_timeout)}, {"max_requests", l.max_requests},
                 {"max_retries", l.max_retries}};
  if (const auto& h = c.health_check)
    j["health_check"] = {{"type", to_string(h->type)}, {"path", h->path},
                         {"expect_statuses", h->expect_statuses}, {"interval", dur(h->interval)},
                         {"jitter", dur(h->jitter)}, {"timeout", dur(h->timeout)},
                         {"rise", h->rise}, {"fall", h->fall}};
  if (const auto& o = c.outlier_detection)
    j["outlier_detection"] = {{"consecutive_errors", o->consecutive_errors},
                              {"base_ejection", dur(o->base_ejection)},
                              {"max_ejection", dur(o->max_ejection)},
                              {"max_ejected_percent", o->max_ejected_percent}};
  j["retry_budget"] = {{"ratio", c.retry_budget.ratio},
                       {"min_concurrent", c.retry_budget.min_concurrent}};
  j["connect_failure"] = {{"retry", c.connect_failure.retry},
                          {"skip_after", c.connect_failure.skip_after},
                          {"skip_for", dur(c.connect_failure.skip_for)}};
  return j;
}

json hub_json(const HubConfig& h) {
  json ns = json::array();
  for (const auto& n : h.namespaces)
    ns.push_back({{"name", n.name},
                  {"history_size", n.history_size},
                  {"history_ttl", dur(n.history_ttl)},
                  {"latest_only", n.latest_only},
                  {"presence", n.presence},
                  {"join_leave", n.join_leave},
                  {"client_publish", n.client_publish},
                  {"anonymous", n.anonymous},
                  {"private_channels", n.private_channels},
                  {"slow_consumer", n.slow_consumer == SlowConsumer::disconnect
                                        ? "disconnect"
                                        : "skip_to_latest"}});
  json j{{"namespaces", ns},
         // as many entries as keys, never the keys themselves
         {"api_keys", std::vector<std::string>(h.api_keys.size(), std::string(kRedacted))},
         {"heartbeat", dur(h.heartbeat)},
         {"client_timeout", dur(h.client_timeout)},
         {"max_channel_length", h.max_channel_length},
         {"max_channels_per_client", h.max_channels_per_client},
         {"max_message", h.max_message},
         {"max_frame", h.max_frame},
         {"out_queue", h.out_queue},
         {"idempotency_window", dur(std::chrono::seconds(h.idempotency_window_s))},
         {"idempotency_max_keys", h.idempotency_max_keys},
         {"drain_spread", dur(h.drain_spread)}};
  if (!h.api_keys_file.empty()) j["api_keys_file"] = h.api_keys_file;
  if (h.broker != HubBroker{})  // only when set: dumps of single-node configs stay as they were
    j["broker"] = {{"type", h.broker.type == HubBrokerType::redis ? "redis" : "local"},
                   {"prefix", h.broker.prefix},
                   {"partitions", h.broker.partitions},
                   {"presence_ttl", dur(h.broker.presence_ttl)}};
  if (const auto& t = h.jwt) {
    json jj = json::object();
    if (!t->hs256_secret_file.empty()) jj["hs256_secret_file"] = t->hs256_secret_file;
    if (!t->rs256_public_key_file.empty()) jj["rs256_public_key_file"] = t->rs256_public_key_file;
    if (!t->es256_public_key_file.empty()) jj["es256_public_key_file"] = t->es256_public_key_file;
    if (!t->audience.empty()) jj["audience"] = t->audience;
    if (!t->issuer.empty()) jj["issuer"] = t->issuer;
    jj["leeway"] = dur(t->leeway);
    j["jwt"] = jj;
  }
  return j;
}

json admin_json(const Admin& a) {
  json j{{"address", a.address}};
  const auto& au = a.auth;
  if (au == AdminAuth{}) return j;  // no auth: the dump stays as it was
  json aj = json::object();
  if (!au.token.empty()) aj["token"] = kRedacted;  // never the token itself
  if (!au.token_file.empty()) aj["token_file"] = au.token_file;
  if (!au.client_ca_file.empty()) aj["client_ca_file"] = au.client_ca_file;
  if (!au.cert_file.empty()) {
    aj["cert_file"] = au.cert_file;
    aj["key_file"] = au.key_file;
  }
  j["auth"] = aj;
  return j;
}

}  // namespace

std::string to_json(const Config& c) {
  json j;
  j["workers"] = c.workers;
  json ls = json::array();
  for (const auto& l : c.listeners) {
    json lj{{"name", l.name}, {"address", l.address}};
    if (l.tls) lj["tls"] = tls_json(*l.tls);
    lj["protocols"] = l.protocols;
    lj["routes"] = l.routes;
    lj["alt_svc"] = l.alt_svc;
    if (!l.filters.empty()) lj["filters"] = filters_json(l.filters);
    if (l.security != ListenerSecurity{}) lj["security"] = listener_security_json(l.security);
    if (l.has("h3")) {
      const auto& q = l.quic;
      lj["quic"] = {{"retry", q.retry},
                    {"retry_threshold", q.retry_threshold},
                    {"handshake_timeout", dur(q.handshake_timeout)},
                    {"idle_timeout", dur(q.idle_timeout)},
                    {"drain_probe_timeouts", q.drain_probe_timeouts},
                    {"max_streams_bidi", q.max_streams_bidi},
                    {"stream_window", q.stream_window},
                    {"connection_window", q.connection_window},
                    {"congestion", q.congestion},
                    {"qlog_dir", q.qlog_dir},
                    {"early_data", q.early_data},
                    {"replay_window", dur(q.replay_window)},
                    {"replay_cache_entries", q.replay_cache_entries},
                    {"token_lifetime", dur(q.token_lifetime)},
                    {"retry_token_lifetime", dur(q.retry_token_lifetime)},
                    {"max_connections_per_source", q.max_connections_per_source},
                    {"ipv4_prefix", q.ipv4_prefix},
                    {"ipv6_prefix", q.ipv6_prefix},
                    {"handshakes_per_second", std::uint64_t(q.handshakes_per_second)},
                    {"handshake_burst", q.handshake_burst},
                    {"alt_svc_max_age", q.alt_svc_max_age},
                    {"gso", q.gso}};
    }
    ls.push_back(lj);
  }
  j["listeners"] = ls;
  if (c.admin) j["admin"] = admin_json(*c.admin);
  json rts = json::object();
  for (const auto& [name, routes] : c.route_tables) {
    json arr = json::array();
    for (const auto& r : routes) arr.push_back(route_json(r));
    rts[name] = arr;
  }
  j["route_tables"] = rts;
  json cls = json::object();
  for (const auto& [name, cl] : c.clusters) cls[name] = cluster_json(cl);
  j["clusters"] = cls;
  const auto& L = c.limits;
  j["limits"] = {{"max_request_line", L.max_request_line},
                 {"max_header_bytes", L.max_header_bytes},
                 {"max_headers", L.max_headers},
                 {"max_body", L.max_body},
                 {"max_connections", L.max_connections},
                 {"h2_max_concurrent_streams", L.h2_max_concurrent_streams},
                 {"h2_initial_window", L.h2_initial_window},
                 {"h2_connection_window", L.h2_connection_window},
                 {"h2_max_frame_size", L.h2_max_frame_size},
                 {"h2_max_resets_per_second", L.h2_max_resets_per_second},
                 {"h2_max_control_frames_per_second", L.h2_max_control_frames_per_second},
                 {"h2_max_continuations", L.h2_max_continuations},
                 {"h2_extended_connect", L.h2_extended_connect},
                 {"stream_buffer", L.stream_buffer},
                 {"send_batch_bytes", L.send_batch_bytes}};
  const auto& T = c.timeouts;
  j["timeouts"] = {{"header", dur(T.header)},   {"idle", dur(T.idle)},
                   {"body_idle", dur(T.body_idle)}, {"route", dur(T.route)},
                   {"drain", dur(T.drain)},     {"tls_handshake", dur(T.tls_handshake)}};
  j["access_log"] = {{"enabled", c.access_log.enabled},
                     {"path", c.access_log.path},
                     {"format", c.access_log.format}};
  j["hub"] = hub_json(c.hub);
  j["state_dir"] = c.state_dir;
  if (c.redis) j["redis"] = redis_json(*c.redis);
  j["cache"] = detail::cache_storage_json(c.cache);
  if (!c.security.rules.empty()) j["security"]["rules"] = rules_json(c.security.rules);
  // Invalid UTF-8 (YAML input is not checked for it) becomes U+FFFD instead of throwing.
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace strata::config

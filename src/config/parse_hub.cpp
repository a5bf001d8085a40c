// The `hub:` section (config/hub.hpp, docs/config.md "Hub") and the two
// route actions that expose the hub: `hub:` (WebSocket and SSE clients)
// and `hub_api:` (the HTTP publish API). Parsed before route_tables so the
// route actions can check what the section configures.
#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <unordered_set>

#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

// Namespace names: what may precede ':' in a channel name.
bool valid_namespace_name(std::string_view s) {
  if (s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

// A file the hub re-reads on reload: resolved against the config file's
// directory and readable now (so `strata check` catches a typo).
std::string readable_file(const Doc& d, const Val& v, std::string_view what) {
  auto s = as_string(d, v, what);
  if (s.empty()) d.fail(v.loc, fmt::format("{}: must not be empty", what));
  s = d.resolve_path(s);
  std::ifstream in(s, std::ios::binary);
  if (!in) d.fail(v.loc, fmt::format("{}: cannot read '{}'", what, s));
  return s;
}

HubNamespace parse_namespace(const Doc& d, const Val& v) {
  MapReader m(d, v, "hub namespace",
              {"name", "history_size", "history_ttl", "latest_only", "presence", "join_leave",
               "client_publish", "anonymous", "private_channels", "slow_consumer"});
  HubNamespace n;
  auto name = m.require("name");
  n.name = as_string(d, name, "name");
  if (!valid_namespace_name(n.name))
    d.fail(name.loc, fmt::format("name: '{}' is not a namespace name (letters, digits, '_', '-', "
                                 "'.'; at most 64; \"\" is the default namespace)",
                                 n.name));
  opt_uint(m, "history_size", n.history_size, 0, 1'000'000);
  opt_duration(m, "history_ttl", n.history_ttl, Duration(1));
  opt_bool(m, "latest_only", n.latest_only);
  opt_bool(m, "presence", n.presence);
  opt_bool(m, "join_leave", n.join_leave);
  opt_bool(m, "client_publish", n.client_publish);
  opt_bool(m, "anonymous", n.anonymous);
  opt_bool(m, "private_channels", n.private_channels);
  if (auto s = m.get("slow_consumer"))
    n.slow_consumer = parse_enum<SlowConsumer>(
        d, *s, "slow_consumer", std::array<std::string_view, 2>{"disconnect", "skip_to_latest"});
  if (n.latest_only) {
    if (n.history_size > 1)
      d.fail(m.get("history_size")->loc,
             "history_size: latest_only keeps one publication; leave history_size out (or 1)");
    n.history_size = 1;
  }
  if (n.join_leave && !n.presence)
    d.fail(m.get("join_leave")->loc, "join_leave: needs presence: true in the same namespace");
  return n;
}

HubJwt parse_jwt(const Doc& d, const Val& v) {
  MapReader m(d, v, "jwt",
              {"hs256_secret_file", "rs256_public_key_file", "es256_public_key_file", "audience",
               "issuer", "leeway"});
  HubJwt j;
  if (auto f = m.get("hs256_secret_file")) j.hs256_secret_file = readable_file(d, *f, "hs256_secret_file");
  if (auto f = m.get("rs256_public_key_file"))
    j.rs256_public_key_file = readable_file(d, *f, "rs256_public_key_file");
  if (auto f = m.get("es256_public_key_file"))
    j.es256_public_key_file = readable_file(d, *f, "es256_public_key_file");
  if (j.hs256_secret_file.empty() && j.rs256_public_key_file.empty() &&
      j.es256_public_key_file.empty())
    d.fail(v.loc, "jwt: give at least one key (hs256_secret_file, rs256_public_key_file, "
                  "es256_public_key_file)");
  opt_string(m, "audience", j.audience);
  opt_string(m, "issuer", j.issuer);
  if (auto l = m.get("leeway")) {
    auto dur = as_duration(d, *l, "leeway");
    if (dur > Duration(std::chrono::hours(1))) d.fail(l->loc, "leeway: must be at most 1h");
    j.leeway = std::chrono::duration_cast<std::chrono::seconds>(dur);
  }
  return j;
}

HubBroker parse_broker(const Doc& d, const Val& v) {
  MapReader m(d, v, "broker", {"type", "prefix", "partitions", "presence_ttl"});
  HubBroker b;
  if (auto t = m.get("type"))
    b.type = parse_enum<HubBrokerType>(d, *t, "type", std::array<std::string_view, 2>{"local", "redis"});
  if (auto p = m.get("prefix")) {
    b.prefix = as_string(d, *p, "prefix");
    bool ok = !b.prefix.empty() && b.prefix.size() <= 64;
    for (char ch : b.prefix) ok = ok && ch > 0x20 && ch < 0x7f && ch != '{' && ch != '}';
    if (!ok)
      d.fail(p->loc, "prefix: 1..64 visible ASCII characters without '{' or '}' (every Redis key starts with it)");
  }
  opt_uint(m, "partitions", b.partitions, 1, 16384);
  if (auto t = m.get("presence_ttl")) {
    auto dur = as_duration(d, *t, "presence_ttl", Duration(std::chrono::seconds(3)));
    if (dur > Duration(std::chrono::hours(24))) d.fail(t->loc, "presence_ttl: must be at most 24h");
    b.presence_ttl = std::chrono::duration_cast<std::chrono::milliseconds>(dur);
  }
  return b;
}

}  // namespace

void check_hub_broker(const Doc& d, const Val& root, const Config& c) {
  if (c.hub.broker.type != HubBrokerType::redis || c.redis) return;
  Location loc = root.loc;
  if (auto h = MapReader(d, root, "the configuration").get("hub")) {
    loc = h->loc;
    if (auto b = MapReader(d, *h, "hub").get("broker")) {
      loc = b->loc;
      if (auto t = MapReader(d, *b, "broker").get("type")) loc = t->loc;
    }
  }
  d.fail(loc, "type: redis needs a top-level redis: section (addresses of the Redis servers)");
}

void parse_hub(const Doc& d, const Val& v, Config& c) {
  MapReader m(d, v, "hub",
              {"namespaces", "jwt", "api_keys", "api_keys_file", "heartbeat", "client_timeout",
               "max_channel_length", "max_channels_per_client", "max_message", "max_frame",
               "out_queue", "idempotency_window", "idempotency_max_keys", "drain_spread", "broker"});
  HubConfig& h = c.hub;
  if (auto ns = m.get("namespaces")) {
    std::unordered_set<std::string> names;
    for (const auto& e : as_seq(d, *ns, "namespaces")) {
      auto n = parse_namespace(d, e);
      if (!names.insert(n.name).second)
        d.fail(e.loc, fmt::format("hub namespace '{}' is defined twice", n.name));
      h.namespaces.push_back(std::move(n));
    }
  }
  if (auto j = m.get("jwt")) h.jwt = parse_jwt(d, *j);
  if (auto k = m.get("api_keys")) {
    for (const auto& e : as_seq(d, *k, "api_keys")) {
      auto key = as_string(d, e, "api_keys");
      bool ok = !key.empty();
      for (char ch : key) ok = ok && ch > 0x20 && ch < 0x7f;
      if (!ok) d.fail(e.loc, "api_keys: a key is visible ASCII characters (no spaces), not empty");
      h.api_keys.push_back(std::move(key));
    }
  }
  if (auto f = m.get("api_keys_file")) h.api_keys_file = readable_file(d, *f, "api_keys_file");
  opt_duration(m, "heartbeat", h.heartbeat, Duration(100));
  opt_duration(m, "client_timeout", h.client_timeout, Duration(100));
  if (h.client_timeout <= h.heartbeat) {
    auto loc = m.has("client_timeout") ? m.get("client_timeout")->loc
                                       : (m.has("heartbeat") ? m.get("heartbeat")->loc : v.loc);
    d.fail(loc, "client_timeout: must be longer than heartbeat (clients answer the pings)");
  }
  opt_uint(m, "max_channel_length", h.max_channel_length, 1, 65535);
  opt_uint(m, "max_channels_per_client", h.max_channels_per_client, 1, 1'000'000);
  opt_size(m, "max_message", h.max_message, 128, 64ull << 20);
  opt_size(m, "max_frame", h.max_frame, 128, 64ull << 20);
  opt_size(m, "out_queue", h.out_queue, 4096, 1ull << 30);
  if (h.out_queue < h.max_message) {
    auto loc = m.has("out_queue") ? m.get("out_queue")->loc : m.get("max_message")->loc;
    d.fail(loc, "out_queue: must hold at least one message (>= max_message)");
  }
  if (auto w = m.get("idempotency_window")) {
    auto dur = as_duration(d, *w, "idempotency_window", Duration(std::chrono::seconds(1)));
    if (dur > Duration(std::chrono::hours(24 * 7)))
      d.fail(w->loc, "idempotency_window: must be at most 168h");
    h.idempotency_window_s =
        static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(dur).count());
  }
  opt_uint(m, "idempotency_max_keys", h.idempotency_max_keys, 0, kU32);
  opt_duration(m, "drain_spread", h.drain_spread);  // 0 = all at once
  if (auto b = m.get("broker")) h.broker = parse_broker(d, *b);
}

void finish_hub(Config& c) {
  for (const auto& n : c.hub.namespaces)
    if (n.name.empty()) return;
  c.hub.namespaces.insert(c.hub.namespaces.begin(), HubNamespace{});
}

HubAction parse_hub_action(const Doc& d, const Val& v) {
  HubAction a;
  if (v.node.IsNull()) return a;  // "hub:" alone: the defaults
  MapReader m(d, v, "hub", {"websocket", "sse", "deflate", "no_context_takeover"});
  opt_bool(m, "websocket", a.websocket);
  opt_bool(m, "sse", a.sse);
  opt_bool(m, "deflate", a.deflate);
  opt_bool(m, "no_context_takeover", a.no_context_takeover);
  if (!a.websocket && !a.sse) d.fail(v.loc, "hub: turn on at least one of websocket, sse");
  if (a.deflate && !a.websocket)
    d.fail(m.get("deflate")->loc, "deflate: only applies to websocket (which is off here)");
  return a;
}

HubApiAction parse_hub_api_action(const Doc& d, const Val& v, const Config& c) {
  if (!v.node.IsNull()) {
    MapReader m(d, v, "hub_api", {});
  }
  if (c.hub.api_keys.empty() && c.hub.api_keys_file.empty())
    d.fail(v.loc, "hub_api: needs hub.api_keys or hub.api_keys_file (the API takes an API key)");
  return {};
}

}  // namespace strata::config::detail

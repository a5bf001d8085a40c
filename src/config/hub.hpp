// The hub's configuration (docs/hub.md): the process-wide `hub:` section
// (namespaces, auth, limits, heartbeats) and the two route actions that
// expose it (`hub:` for client connections, `hub_api:` for the HTTP
// publish API). Plain data, part of the immutable Config snapshot; on
// SIGHUP new channel options apply to new subscriptions, live connections
// stay.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::config {

// What happens to a subscriber whose output queue is full.
enum class SlowConsumer {
  disconnect,        // close with 4008 "slow consumer" (WebSocket) / end the SSE stream
  skip_to_latest,    // drop what is queued, deliver the newest publication only
};

// Options of one channel namespace: a channel "ns:name" uses namespace "ns";
// a channel without ':' uses the namespace named "" (the default one).
struct HubNamespace {
  std::string name;                         // "" = default namespace
  std::uint32_t history_size = 0;           // publications kept per channel; 0 = no history
  std::chrono::milliseconds history_ttl{std::chrono::minutes(5)};  // kept at most this long
  bool latest_only = false;                 // history keeps only the last publication
  bool presence = false;                    // track who is subscribed
  bool join_leave = false;                  // push join/leave events to subscribers
  bool client_publish = false;              // subscribers may publish (else only the API)
  bool anonymous = false;                   // clients without a token may subscribe
  bool private_channels = false;            // subscribing needs a subscribe token (claim "channel")
  SlowConsumer slow_consumer = SlowConsumer::disconnect;
  bool operator==(const HubNamespace&) const = default;
};

// JSON Web Tokens (libjwt): a key per algorithm family, read from files
// (re-read on reload). A token's "alg" must match a configured key.
struct HubJwt {
  std::string hs256_secret_file;            // HS256 shared secret (file content, trailing newline stripped)
  std::string rs256_public_key_file;        // RS256 PEM public key
  std::string es256_public_key_file;        // ES256 PEM public key
  std::string audience;                     // required "aud" when set
  std::string issuer;                       // required "iss" when set
  std::chrono::seconds leeway{0};           // clock skew allowed on exp/nbf
  bool operator==(const HubJwt&) const = default;
};

// Where publications go between strata nodes (docs/hub.md, "Multi-node").
// local: this process only (history, presence and offsets on the channel's
// owner worker). redis: through the `redis:` section (config/redis.hpp):
// publications over Redis pub/sub (sharded pub/sub in cluster mode),
// history in Redis Streams, presence in Redis; local delivery continues
// while Redis is unreachable.
enum class HubBrokerType { local, redis };

struct HubBroker {
  HubBrokerType type = HubBrokerType::local;
  std::string prefix = "strata";            // every Redis key and channel starts with it
  std::uint32_t partitions = 128;           // channels hash to partitions; a partition is one hash tag
                                            // (cluster: tags chosen to spread over the slots evenly)
  std::chrono::milliseconds presence_ttl{std::chrono::seconds(60)};  // refreshed every ttl/3 while connected
  bool operator==(const HubBroker&) const = default;
};

struct HubConfig {
  std::vector<HubNamespace> namespaces;     // always contains the default "" (loader adds it)
  std::optional<HubJwt> jwt;                // none: only anonymous clients (where allowed)
  std::vector<std::string> api_keys;        // publish API: "Authorization: apikey <key>"
  std::string api_keys_file;                // more keys, one per line (re-read on reload)
  std::chrono::milliseconds heartbeat{std::chrono::seconds(25)};  // ping / SSE comment interval
  std::chrono::milliseconds client_timeout{std::chrono::seconds(60)};  // no bytes from a WS client -> close
  std::uint32_t max_channel_length = 255;   // bytes
  std::uint32_t max_channels_per_client = 128;
  std::uint32_t max_message = 64 * 1024;    // publication data and client frames, bytes
  std::uint32_t max_frame = 64 * 1024;      // one WebSocket frame, bytes
  std::uint64_t out_queue = 1024 * 1024;    // per subscriber, bytes queued before slow_consumer applies
  std::uint32_t idempotency_window_s = 300; // publish API idempotency keys remembered this long
  std::uint32_t idempotency_max_keys = 100000;  // per process
  std::chrono::milliseconds drain_spread{std::chrono::seconds(5)};  // drain closes spread over this
  HubBroker broker;                         // multi-node: `hub: {broker: {type: redis}}` + `redis:`
  bool operator==(const HubConfig&) const = default;
};

// Route action `hub:`: WebSocket (h1 Upgrade, h2/h3 extended CONNECT) and
// SSE (GET with Accept: text/event-stream) clients of the hub.
struct HubAction {
  bool websocket = true;
  bool sse = true;
  bool deflate = false;                     // permessage-deflate offered to clients (RFC 7692)
  bool no_context_takeover = true;          // server_no_context_takeover: no per-connection zlib window
  bool operator==(const HubAction&) const = default;
};

// Route action `hub_api:`: the HTTP publish / disconnect / unsubscribe API.
struct HubApiAction {
  bool operator==(const HubApiAction&) const = default;
};

}  // namespace strata::config

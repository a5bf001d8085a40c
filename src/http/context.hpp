// The per-request context: what strata knows and decided about one request,
// created once by the pipeline (router/pipeline.cpp) when the request head
// arrives and living on the handler's coroutine frame until the access log
// line is submitted. Filters (filter/), the proxy (request id, trace context,
// tier) and the access log read and fill it; it is reached from any
// decorator of the exchange through http::Exchange::context().
//
// Contract: every field is fixed-size or a view into data that outlives the
// request (route and cluster names point into the configuration snapshot
// the pipeline keeps alive; tier names are string literals), so creating and
// filling a context allocates nothing. Single-threaded, like the exchange.
//
// Adding a field for a later feature (cache status, rate-limit key, ...):
// add an entry to `Slot` before `count` and its name to `kSlotNames`; set it
// with ctx.set(Slot::x, value) (at most kSlotBytes bytes, longer values are
// truncated); the access log writes every non-empty slot as a JSON field of
// that name. No other file needs to change.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::http {

// A string of at most N bytes stored inline (longer input is truncated).
// Bytes past the length are never read and not initialised: a context is
// created per request on a coroutine frame, and zeroing its ~660 bytes
// wrote ten cache lines per request that most requests never use (with
// 256 HTTP/2 streams in flight those lines fall out of the L2 cache).
template <std::size_t N>
class FixedString {
 public:
  FixedString() = default;
  FixedString(const FixedString& o) : len_(o.len_) { std::memcpy(data_, o.data_, len_); }
  FixedString& operator=(const FixedString& o) {
    len_ = o.len_;
    std::memmove(data_, o.data_, len_);
    return *this;
  }
  void assign(std::string_view s) {
    len_ = s.size() < N ? s.size() : N;
    if (len_) std::memcpy(data_, s.data(), len_);
  }
  void clear() { len_ = 0; }
  bool empty() const { return len_ == 0; }
  std::string_view view() const { return {data_, len_}; }
  static constexpr std::size_t capacity() { return N; }

 private:
  std::size_t len_ = 0;
  char data_[N];
};

// Extension fields for later features; see the header comment.
enum class Slot : std::uint8_t { cache_status, rate_limit_key, rule, count };
inline constexpr std::array<std::string_view, std::size_t(Slot::count)> kSlotNames = {
    "cache_status", "rate_limit_key", "rule"};
inline constexpr std::size_t kSlotBytes = 64;

// The claims of a request's verified JWT (security/jwt_filter.hpp), one
// entry per top-level claim of the token: string claims as their text,
// other values (numbers, booleans, arrays, objects) as compact JSON.
struct JwtClaims {
  std::vector<std::pair<std::string, std::string>> items;
  std::optional<std::string_view> find(std::string_view name) const {
    for (const auto& [k, v] : items)
      if (k == name) return std::string_view(v);
    return std::nullopt;
  }
};

struct RequestTimings {
  using steady = std::chrono::steady_clock;
  steady::time_point start;                       // head handed to the pipeline
  steady::time_point head_sent;                   // response head sent; epoch = never
  steady::time_point end;                         // handler done
  // `start` on the wall clock, reckoned when asked (the access log): two
  // clock reads there instead of one on every request.
  std::chrono::system_clock::time_point start_wall() const {
    return std::chrono::system_clock::now() -
           std::chrono::duration_cast<std::chrono::system_clock::duration>(steady::now() - start);
  }
};

struct RequestContext {
  // x-request-id: the client's (when valid) or one generated before
  // routing; the same on every upstream try and tier and in the access log.
  FixedString<128> request_id;
  // The traceparent strata sends upstream (W3C Trace Context): the client's
  // trace id and flags when its traceparent was valid, else a new trace;
  // strata's own span id. Computed once per request. Empty: not computed.
  FixedString<55> traceparent;
  bool keep_tracestate = false;  // the incoming tracestate goes upstream too

  // The client address (security/client_address.hpp): the peer, or the
  // PROXY header's source, or the rightmost untrusted X-Forwarded-For /
  // Forwarded hop when the peer is a trusted proxy. Set by the pipeline
  // before any filter runs; never empty for a request that has a peer.
  FixedString<46> client_ip;
  std::string_view listener;  // listener name
  std::string_view route;     // "" until a route matched
  std::string_view cluster;   // cluster of the last upstream tier tried
  std::string_view tier;      // "primary" | "secondary" | "last-known-good" | "static" | ""
  bool tier_header = false;   // route has fallbacks: responses carry x-strata-tier

  int status = 0;             // response status sent; 0: no head sent
  std::uint64_t bytes_received = 0;  // request body bytes
  std::uint64_t bytes_sent = 0;      // response body bytes (after body filters)

  // Set when strata itself generated the response (filter/local_reply.hpp):
  // a short token such as "no-route", "too-early", "connect-error".
  FixedString<32> local_reason;

  RequestTimings time;

  // The route's verified JWT claims: set by the route's jwt filter
  // (security/jwt_filter.hpp, which runs before rate limits) when the token
  // was valid; null otherwise. The one field that may allocate, and only
  // on routes with `security.jwt`. Read them with jwt_claim().
  std::shared_ptr<const JwtClaims> jwt;
  // A claim of the verified JWT ("sub", "tenant", ...); nullopt when there
  // is no verified token or it lacks the claim.
  std::optional<std::string_view> jwt_claim(std::string_view name) const {
    return jwt ? jwt->find(name) : std::nullopt;
  }

  // Set by request filters that hold the answer back (security rules'
  // tarpit, security/rule_filter.hpp): after the request phases the
  // pipeline waits this long before it runs the action or the local reply.
  // 0: no wait.
  std::chrono::milliseconds delay{0};

  // The matched route's `early_hints.relay` (config/delivery.hpp): whether
  // an upstream's 103 reaches the client (filter/early_hints.hpp). Set by
  // the pipeline once a route matched.
  bool early_hints_relay = true;

  // 32 hex digits of the trace id, or "" when no trace context was set.
  std::string_view trace_id() const {
    const auto t = traceparent.view();
    return t.size() == 55 ? t.substr(3, 32) : std::string_view();
  }

  void set(Slot s, std::string_view v) { slots_[std::size_t(s)].assign(v); }
  std::string_view get(Slot s) const { return slots_[std::size_t(s)].view(); }

 private:
  std::array<FixedString<kSlotBytes>, std::size_t(Slot::count)> slots_;  // each empty
};

}  // namespace strata::http

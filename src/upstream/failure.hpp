// Why a proxied request could not be answered by an upstream, and what the
// client gets when no later tier can do better: a status, a fixed body, the
// x-strata-reason word (docs/resilience.md lists them), an optional
// Retry-After. Internal to the resilient flow (tier runner, try loop,
// resilient_proxy.cpp). Plain values; the body is always a string literal.
#pragma once
#include <chrono>
#include <cstdint>
#include <string_view>

namespace strata::upstream {

enum class FailReason : std::uint8_t {
  upstream_error,        // nothing more specific (no tier ran)
  no_cluster,            // a tier names a cluster that is gone (reload)
  circuit_open,
  bulkhead_requests,     // max_requests reached and the queue is full
  bulkhead_pending,      // queued longer than pending_timeout
  bulkhead_connections,  // max_connections reached
  no_endpoint,
  connect_error,
  timeout,
  upstream_reset,
  refused_stream,
  bad_response,
  upstream_status,       // the upstream's own 5xx, held back for a retry or tier
  unsupported_protocol,
};

// The x-strata-reason spelling.
constexpr std::string_view to_string(FailReason r) {
  switch (r) {
    case FailReason::upstream_error: return "upstream-error";
    case FailReason::no_cluster: return "no-cluster";
    case FailReason::circuit_open: return "circuit-open";
    case FailReason::bulkhead_requests: return "bulkhead-requests";
    case FailReason::bulkhead_pending: return "bulkhead-pending";
    case FailReason::bulkhead_connections: return "bulkhead-connections";
    case FailReason::no_endpoint: return "no-endpoint";
    case FailReason::connect_error: return "connect-error";
    case FailReason::timeout: return "timeout";
    case FailReason::upstream_reset: return "upstream-reset";
    case FailReason::refused_stream: return "refused-stream";
    case FailReason::bad_response: return "bad-response";
    case FailReason::upstream_status: return "upstream-status";
    case FailReason::unsupported_protocol: return "unsupported-protocol";
  }
  return "upstream-error";
}

struct Failure {
  int status = 502;
  FailReason reason = FailReason::upstream_error;
  std::string_view body = "upstream connection failed\n";
  std::chrono::milliseconds retry_after{0};  // > 0: Retry-After (rounded up to seconds)
  bool final = false;                        // no further tier (bulkhead overflow)
};

// (A function, not brace-init: GCC 12 miscompiles aggregate init with
// string literals inside coroutines.)
inline Failure make_failure(int status, FailReason reason, std::string_view body,
                            std::chrono::milliseconds retry_after = std::chrono::milliseconds(0),
                            bool final = false) {
  Failure f;
  f.status = status;
  f.reason = reason;
  f.body = body;
  f.retry_after = retry_after;
  f.final = final;
  return f;
}

}  // namespace strata::upstream

// How one upstream try ended (try_once / proxy_h2 report it; the try loop
// decides what follows). Plain values, no I/O.
#pragma once
#include <cstdint>

namespace strata::upstream {

enum class TryKind : std::uint8_t {
  ok,               // a response was relayed (or swallowed, see AttemptExchange)
  connect_error,    // no connection (refused, unreachable, TLS failure): nothing sent
  connect_timeout,  // the connect timed out (connect_timeout, not the deadline): nothing sent
  timeout,          // per-try or route deadline
  reset,            // the upstream closed/reset before a response head
  refused,          // HTTP/2 REFUSED_STREAM (not processed upstream)
  reset_relayed,    // the upstream failed after the head was relayed (exchange reset)
  bad_response,     // unparsable response
  downstream,       // the client went away
  overflow,         // bulkhead connection limit
  unsupported,      // upstream protocol not available in this build
};

struct TryResult {
  TryKind kind = TryKind::ok;
  int status = 0;  // upstream status when a head arrived
};

// The try never got a connection, so nothing of the request was sent.
constexpr bool nothing_sent(TryKind k) {
  return k == TryKind::connect_error || k == TryKind::connect_timeout;
}

// The try got a connection (so a connect-failure run on the endpoint ends).
constexpr bool connected(TryKind k) {
  return k == TryKind::ok || k == TryKind::reset || k == TryKind::refused ||
         k == TryKind::reset_relayed || k == TryKind::bad_response;
}

}  // namespace strata::upstream

// The one place that builds every response strata generates itself: no
// route (404), too early (425), internal errors (500), the proxy's 502/503/
// 504 (connect error, timeout, bulkhead, circuit open, no endpoint, ...),
// the static fallback, and the configured `respond` and `redirect` actions.
//
// Every local reply has the same shape: the given status, content-length,
// and a short text/plain body (by convention one line ending in "\n"; the
// texts are stable, tests assert them). Error replies carry
// `x-strata-reason: <reason>` (reason_header), and so does the static
// fallback (naming why the tiers failed); the configured answers respond
// and redirect do not. Every local reply records its reason in the
// request context (ctx.local_reason, the access log field "reason") and runs
// the local_reply filter phase (filter/filter.hpp) before the response head
// phase.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::filter {

struct LocalReply {
  int status = 0;                 // 0: no reply (a request filter lets the request go on)
  std::string_view reason;        // token: "no-route", "too-early", "connect-error", ...
  std::string_view body;          // must outlive the send (literals, config)
  std::string_view content_type = "text/plain";
  bool reason_header = true;      // add x-strata-reason
  explicit operator bool() const { return status != 0; }
};

// Builds a LocalReply. (A function rather than brace-init at call sites:
// GCC 12 miscompiles aggregate init with string literals inside coroutines.)
LocalReply local_reply(int status, std::string_view reason, std::string_view body,
                       std::string_view content_type = "text/plain", bool reason_header = true);

using FieldList = std::span<const std::pair<std::string, std::string>>;

// Sends `r` (plus `extra` header fields, set in order) on `ex` and records
// r.reason in ex.context() when there is one. When the head already went
// out the exchange is reset instead; when the response is finished nothing
// happens. Errors writing are ignored (the client is gone).
boost::asio::awaitable<void> send_local_reply(http::Exchange& ex, const LocalReply& r,
                                              FieldList extra = {});

}  // namespace strata::filter

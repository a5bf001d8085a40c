// Sends a stored object as the response of an exchange (a cache hit, a
// revalidated object, a stale answer): the stored head with Age (RFC 9111
// 5.1) and a Cache-Status member (RFC 9211) appended to the stored one;
// 304 when the client's own preconditions match (conditional.hpp); HEAD
// gets the head only; a single Range of a stored 200 gets 206 (or 416),
// honouring If-Range. Runs on the exchange's thread.
#pragma once
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "cache/object.hpp"
#include "http/exchange.hpp"

namespace strata::cache {

struct ServeOptions {
  std::string_view method;          // the client's (GET or HEAD)
  const http::Headers* client = nullptr;  // the client's original request fields
  std::int64_t age = 0;             // seconds, the Age field
  std::string_view cache_status;    // our member, e.g. "strata; hit; ttl=30"
  bool strip_tag_headers = true;    // drop Surrogate-Key / Cache-Tag / Surrogate-Control
};

boost::asio::awaitable<http::error_code> serve_object(http::Exchange& ex, const Object& o,
                                                      const ServeOptions& opt);

// Appends our Cache-Status member to `h` (after any upstream members).
void append_cache_status(http::Headers& h, std::string_view member);

}  // namespace strata::cache

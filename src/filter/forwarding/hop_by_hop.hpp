// Hop-by-hop header removal (RFC 9110 7.6.1) for a message forwarded to the
// next hop. Pure function, no I/O.
#pragma once
#include "http/headers.hpp"

namespace strata::filter::forwarding {

// Removes Connection and every field it lists, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade, HTTP2-Settings and TE (a TE that contained
// "trailers" is replaced by "te: trailers", which HTTP/2 also allows).
// Returns true when the request asked for trailers via TE.
bool strip_hop_by_hop(http::Headers& h);

}  // namespace strata::filter::forwarding

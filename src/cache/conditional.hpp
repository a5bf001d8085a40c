// Conditional requests around stored responses: answering a client's
// If-None-Match / If-Modified-Since from the cache (RFC 9110 13.2.2 for
// GET/HEAD), the validators of a revalidation request (RFC 9111 4.3.1) and
// the update of a stored response by a 304 (RFC 9111 3.2, 4.3.4). Pure;
// thread-safe.
#pragma once
#include "cache/object.hpp"
#include "http/headers.hpp"

namespace strata::cache {

// True when the client's preconditions make `o` answer 304: If-None-Match
// (weak comparison with the representation's ETag, object_etag(); "*"
// matches) or, without it, If-Modified-Since at or
// after the object's Last-Modified (or its Date when it has none).
bool not_modified(const http::Headers& req, const Object& o);

// True when `req` carries If-None-Match or If-Modified-Since.
bool is_conditional(const http::Headers& req);

// Removes If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since,
// If-Range and Range (the forwarded request is about the full object).
void strip_conditionals(http::Headers& req);

// Adds If-None-Match (the ETag) and If-Modified-Since (Last-Modified) of
// `o` to `req`.
void add_validators(http::Headers& req, const Object& o);

// A new object: `old` with every field of the 304's head replacing fields
// of the same name, except Content-Length, Content-Encoding, Content-Range,
// Content-MD5, ETag (the stored representation's), hop-by-hop fields and
// the cache's own (Cache-Status), and for an encoded variant Vary and
// Accept-Ranges; the request and response
// times are the revalidation's. The body is shared.
Object updated_by_304(const Object& old, const http::Headers& h304, WallTime request_time,
                      WallTime response_time);

// True for a header that is never stored (hop-by-hop, and the fields a
// proxy adds per hop): connection, keep-alive, proxy-connection,
// transfer-encoding, upgrade, te, trailer, proxy-authenticate,
// proxy-authorization.
bool never_stored(std::string_view name);

}  // namespace strata::cache

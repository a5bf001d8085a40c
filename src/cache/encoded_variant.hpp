// Encoded variants (docs/cache.md, "Compressed variants"): on a cached
// route that also compresses, the cache stores the body encoded with the
// coding the request negotiated (zstd, br, gzip) or, when it negotiated
// none, the identity body, and serves later hits from it without encoding
// again. Pure functions; thread-safe.
//
// Key: such an object carries the pseudo Vary member ":coding" (a field
// name cannot start with ':') with the NEGOTIATED coding ("zstd", "br",
// "gzip", "identity") in place of the Accept-Encoding member, so
// "gzip, br" and "br;q=1, gzip" share an entry and a URL has at most one
// such variant per coding (and per value of its other Vary members).
// Objects stored as the origin sent them carry no ":coding" member.
//
// ETag: the stored head keeps the origin's ETag (it goes upstream in
// revalidations); a client sees `W/"<opaque>-<coding>"` on an encoded
// variant (zstd, br, gzip), so each representation's tag differs from the
// identity one and from the other codings' even under weak comparison,
// and If-None-Match is answered per representation. The identity variant
// keeps the origin's ETag.
#pragma once
#include <string>
#include <string_view>

#include "cache/object.hpp"
#include "http/headers.hpp"

namespace strata::filter::compression {
class Policy;
}

namespace strata::cache {

inline constexpr std::string_view kCodingMember = ":coding";
inline constexpr std::string_view kIdentity = "identity";

// The ":coding" member of `o`: "zstd", "br", "gzip", "identity", or ""
// (stored as the origin sent it).
std::string_view variant_coding(const Object& o);

// True for "zstd", "br", "gzip" (a body the cache encoded).
bool is_encoded_coding(std::string_view coding);

// The coding a request selects on a route whose compression policy is
// `policy` (null: the route does not compress -> ""): "identity" for a
// Range request (a range is always of the identity body) and for a
// request with Cache-Control: no-transform; otherwise the coding
// negotiated from Accept-Encoding (filter/compression/negotiate.hpp), or
// "identity" when none is acceptable.
std::string_view request_coding(const filter::compression::Policy* policy,
                                const http::Headers& req);

// The ETag a client sees for a body with `coding` whose origin ETag is
// `origin_etag` (as the origin spelled it): unchanged unless the coding
// is an encoded one, then W/"<opaque>-<coding>". "" stays "".
std::string representation_etag(std::string_view origin_etag, std::string_view coding);

// representation_etag() of o's stored ETag and coding; "" when it has none.
std::string object_etag(const Object& o);

// An If-None-Match field value going to the origin on a miss: each
// W/"<opaque>-<coding>" (coding zstd, br or gzip: a tag representation_etag
// made) is followed by "<opaque>", the origin's own tag, so an origin whose
// representation has not changed answers 304 to a client that holds one of
// our encoded bodies (weak comparison, RFC 9110 13.1.2). "*" and other tags
// stay. Returns "" when nothing was added.
std::string origin_if_none_match(std::string_view field);

}  // namespace strata::cache

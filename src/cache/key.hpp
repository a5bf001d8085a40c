// The cache key of a request (docs/cache.md, "Keys") and Vary matching
// (RFC 9111 4.1). Pure functions; thread-safe.
//
// Primary key: scheme, authority (lower case), path, the query (unless the
// route's key drops it), then the route's extra key parts: named request
// headers, named cookies, the client's /24 (IPv4) or /64 (IPv6). The method
// is not part of it (GET and HEAD share entries); only GET responses are
// stored.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "cache/object.hpp"
#include "config/cache.hpp"
#include "http/message.hpp"

namespace strata::cache {

std::string primary_key(const http::Request& r, std::string_view client_ip,
                        const config::CacheKeyParts& parts);

// "scheme://authority/target" as requested (Object::url).
std::string request_url(const http::Request& r);

// The Vary members a response varies on (its Vary fields plus the route's
// `vary`), lower case, without duplicates; `star` set for "Vary: *".
std::vector<std::string> vary_names(const http::Headers& response,
                                    const std::vector<std::string>& route_vary, bool& star);

// The request's value of each of `names` (Object::vary): every line
// joined with ", ", whitespace around commas removed, "" when absent;
// Accept-* values lower-cased, Accept-Language / Accept-Encoding members
// sorted (their order carries no preference the cache must keep apart).
std::vector<Field> vary_values(const std::vector<std::string>& names, const http::Headers& req);

// True when `o` may answer a request with these headers (its vary values
// equal the request's; never for Vary: *). The pseudo member ":coding" of
// an encoded variant (encoded_variant.hpp) matches `coding`, the coding
// the request selects ("" on a route without compression: never).
bool vary_matches(const Object& o, const http::Headers& req, std::string_view coding = {});

// The client's network for `client_prefix` keys: "a.b.c.0/24" or the
// first 64 bits of an IPv6 address + "/64"; the input when it is no
// address.
std::string client_network(std::string_view ip);

}  // namespace strata::cache

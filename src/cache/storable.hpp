// RFC 9111 3 for a shared cache: may this response to this request be
// stored? Pure; thread-safe.
#pragma once
#include <string_view>

#include "cache/cache_control.hpp"
#include "cache/object.hpp"
#include "config/cache.hpp"
#include "http/message.hpp"

namespace strata::cache {

// `o` is the candidate object (status and headers; the body may still be
// streaming); `req_cc` / `resp_cc` the two Cache-Controls. Returns "" when
// storable, else a short reason (for logs and Cache-Status detail):
// "private-route", "method", "status", "no-store", "private",
// "authorization", "vary-star", "no-freshness". As RFC 9111 allows, a
// response with Set-Cookie is stored (and served with it) when it is
// otherwise cacheable: origins mark per-user answers private.
std::string_view not_storable_reason(std::string_view method, const http::Headers& req,
                                     const CacheControl& req_cc, const Object& o,
                                     const CacheControl& resp_cc, const config::RouteCache& rc);

// True when `o` has a validator (ETag or Last-Modified).
bool has_validator(const Object& o);

}  // namespace strata::cache

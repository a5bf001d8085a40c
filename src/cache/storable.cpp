#include "cache/storable.hpp"

#include "cache/freshness.hpp"

namespace strata::cache {

namespace {
bool understood(int s) {
  switch (s) {
    case 200: case 203: case 204: case 300: case 301: case 302: case 303: case 307: case 308:
    case 404: case 405: case 410: case 414: case 501:
      return true;
    default:
      return false;
  }
}
}  // namespace

bool has_validator(const Object& o) { return o.header("etag") || o.header("last-modified"); }

std::string_view not_storable_reason(std::string_view method, const http::Headers& req,
                                     const CacheControl& req_cc, const Object& o,
                                     const CacheControl& resp_cc, const config::RouteCache& rc) {
  if (rc.private_) return "private-route";
  if (method != "GET") return "method";
  const bool known = understood(o.status);
  if (!known && (o.status < 200 || o.status == 206 || o.status == 304 || o.status > 599 ||
                 resp_cc.must_understand))
    return "status";
  if (req_cc.no_store) return "no-store";
  if (resp_cc.no_store && !(resp_cc.must_understand && known)) return "no-store";
  if (resp_cc.is_private) return "private";
  if (req.has("authorization") && !resp_cc.is_public && !resp_cc.s_maxage &&
      !resp_cc.must_revalidate)
    return "authorization";
  if (o.vary_star) return "vary-star";
  const auto life = freshness_lifetime(o, resp_cc, rc);
  if (!life && !(has_validator(o) && (resp_cc.no_cache || resp_cc.is_public))) return "no-freshness";
  if (!known && !(resp_cc.s_maxage || resp_cc.max_age || o.header("expires") || resp_cc.is_public ||
                  rc.ttl))
    return "status";
  return {};
}

}  // namespace strata::cache

#include "cache/cached_proxy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "cache/cache_control.hpp"
#include "cache/capture_exchange.hpp"
#include "cache/coalescer.hpp"
#include "cache/conditional.hpp"
#include "cache/encoded_variant.hpp"
#include "cache/freshness.hpp"
#include "cache/key.hpp"
#include "cache/null_exchange.hpp"
#include "cache/request_metrics.hpp"
#include "cache/serve.hpp"
#include "cache/verdict.hpp"
#include "cache/store.hpp"
#include "filter/compression/compression_filter.hpp"
#include "filter/local_reply.hpp"
#include "http/context.hpp"
#include "http/tunnel.hpp"
#include "upstream/upstreams.hpp"

namespace strata::cache {

namespace {

namespace asio = boost::asio;

bool safe_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE";
}

std::uint64_t limit_of(const CachedRoute& r) {
  const auto l = r.cache->max_object_bytes;
  return l ? l : r.storage_limit;
}

// The key of `location` (absolute or path) when it is on the request's
// origin; "" otherwise.
std::string location_key(const http::Request& req, std::string_view loc, std::string_view ip,
                          const config::CacheKeyParts& parts) {
  if (loc.empty()) return {};
  http::Request r;
  r.scheme = req.scheme;
  r.authority = req.authority;
  if (loc.front() == '/') {
    r.target = std::string(loc);
  } else {
    const std::string origin = (req.scheme.empty() ? std::string("http") : req.scheme) + "://" +
                               http::to_lower(req.authority);
    if (loc.size() <= origin.size() || http::to_lower(loc.substr(0, origin.size())) != origin ||
        loc[origin.size()] != '/')
      return {};
    r.target = std::string(loc.substr(origin.size()));
  }
  r.headers = req.headers;
  return primary_key(r, ip, parts);
}

// One background revalidation of `stale` (stale-while-revalidate); the
// coalescer's "reval" lead for the key is released when it is decided.
asio::awaitable<void> revalidate_in_background(std::shared_ptr<upstream::Upstreams> ups,
                                               CachedRoute route, std::string prefix,
                                               http::Request req, http::ConnInfo conn,
                                               CaptureParams p) {
  NullExchange nx(std::move(req), std::move(conn), co_await asio::this_coro::executor);
  {
    CaptureExchange cx(nx, std::move(p));
    try {
      co_await ups->proxy(cx, *route.action, prefix);
    } catch (const std::exception&) {
    }
  }
}

asio::awaitable<void> serve_hit(http::Exchange& ex, const Object& o, Verdict v,
                                std::string detail, const http::Headers& client,
                                const config::RouteCache& rc) {
  ServeOptions so;
  so.method = ex.request().method;
  so.client = &client;
  so.age = v.age;
  std::string cs = rc.name + "; hit; ttl=" + std::to_string(v.ttl);
  if (!detail.empty()) cs += "; detail=" + detail;
  so.cache_status = cs;
  so.strip_tag_headers = rc.strip_tag_headers;
  if (auto* ctx = ex.context()) ctx->set(http::Slot::cache_status, v.ttl > 0 ? "hit" : "stale");
  RequestMetrics::get().encoded_hit(variant_coding(o));
  co_await serve_object(ex, o, so);
}

// RFC 9111 5.2.1.7: nothing usable stored -> 504, with our Cache-Status.
asio::awaitable<void> only_if_cached_miss(http::Exchange& ex, const config::RouteCache& rc) {
  const std::pair<std::string, std::string> cs[] = {
      {"cache-status", rc.name + "; fwd=miss; detail=only-if-cached"}};
  co_await filter::send_local_reply(
      ex, filter::local_reply(504, "cache-only-if-cached", "not in the cache\n"), cs);
}

CaptureParams base_params(const CachedRoute& route, std::shared_ptr<Store> store,
                          std::string key, const http::Request& req, std::string_view coding) {
  CaptureParams p;
  if (!coding.empty()) {
    p.compress = route.compression;
    p.coding = std::string(coding);
  }
  p.store = std::move(store);
  p.rc = route.cache;
  p.clock = route.clock;
  p.key = std::move(key);
  p.url = request_url(req);
  p.method = req.method;
  p.client = req.headers;
  p.request_time = route.clock->now();
  p.limit = limit_of(route);
  return p;
}

}  // namespace

asio::awaitable<void> cached_proxy(http::Exchange& ex, std::shared_ptr<upstream::Upstreams> ups,
                                   const CachedRoute& route, std::string_view prefix) {
  auto& req = ex.request();
  if (http::tunnel_kind(req) != http::TunnelKind::none) {
    // WebSocket / CONNECT: not a cacheable exchange; the proxy needs the
    // codec's upgrade()/tunnel() directly.
    co_await ups->proxy(ex, *route.action, prefix);
    co_return;
  }
  const auto& rc = *route.cache;
  auto& metrics = RequestMetrics::get();
  auto* ctx = ex.context();
  const std::string client_ip(ctx ? ctx->client_ip.view() : std::string_view(ex.conn().peer_ip));
  auto store = process_store();
  std::string key = primary_key(req, client_ip, rc.key);

  // Edge Architecture: tell the origin a surrogate is here (it may answer
  // with Surrogate-Control). Set on the request just before it goes out.
  const auto announce = [&rc](http::Headers& h) {
    h.set("surrogate-capability", rc.name + "=\"Surrogate/1.0\"");
  };
  const auto req_cc = parse_cache_control(req.headers);
  const bool cacheable_method = req.method == "GET" || req.method == "HEAD";
  if (!cacheable_method || rc.private_ || !store || req_cc.no_store) {
    // A request's no-store: neither answered from nor stored in the cache.
    auto p = base_params(route, nullptr, key, req, {});
    p.fwd = !cacheable_method ? "method" : req_cc.no_store ? "request" : "bypass";
    const bool unsafe = !safe_method(req.method);
    announce(req.headers);
    CaptureExchange cx(ex, std::move(p));
    co_await ups->proxy(cx, *route.action, prefix);
    const int st = cx.upstream_status();
    if (unsafe && store && st >= 200 && st < 400) {
      store->erase(key);
      for (const auto& loc : cx.invalidate_locations())
        if (auto k = location_key(req, loc, client_ip, rc.key); !k.empty()) store->erase(k);
    }
    co_return;
  }

  // Pragma is deprecated (RFC 9111 5.4) and ignored: HTTP/1.1 clients say
  // Cache-Control.
  const bool req_no_cache = req_cc.no_cache;
  // The client's fields as sent; `req.headers` changes only right before
  // a request goes upstream (after the copies the captures keep).
  const http::Headers& client = req.headers;
  // The variant's coding (encoded variants; "" without compression), and
  // the key of this variant for coalescing and background revalidation.
  const std::string_view coding =
      request_coding(route.compression ? &route.compression->policy() : nullptr, client);
  const std::string vkey = coding.empty() ? key : key + "\n:coding=" + std::string(coding);
  auto match = [&client, coding](const Object& o) { return vary_matches(o, client, coding); };
  ObjectPtr obj = store->find(key, match);

  if (obj) {
    const auto v = judge(*obj, req_cc, req_no_cache, rc, route.clock->now());
    if (v.usable) {
      metrics.hits.inc();
      co_await serve_hit(ex, *obj, v, "", client, rc);
      co_return;
    }
    if (v.swr) {
      metrics.stale.inc();
      if (const auto lead = Coalescer::instance().try_lead("reval\n" + vkey)) {
        metrics.revalidations.inc();
        http::Request r;
        r.method = "GET";
        r.scheme = req.scheme;
        r.authority = req.authority;
        r.target = req.target;
        r.protocol = req.protocol;
        r.headers = req.headers;
        strip_conditionals(r.headers);
        add_validators(r.headers, *obj);
        announce(r.headers);
        auto p = base_params(route, store, key, req, coding);
        p.method = "GET";
        p.stale = obj;
        p.fwd = "stale";
        p.on_decided = [k = "reval\n" + vkey, lead] { Coalescer::instance().release(k, lead); };
        asio::co_spawn(ex.executor(),
                       revalidate_in_background(ups, route, std::string(prefix), std::move(r),
                                                ex.conn(), std::move(p)),
                       asio::detached);
      }
      co_await serve_hit(ex, *obj, v, "stale-while-revalidate", client, rc);
      co_return;
    }
    if (req_cc.only_if_cached) {
      co_await only_if_cached_miss(ex, rc);
      co_return;
    }
    // Revalidate (or refetch when the object has no validator).
    metrics.revalidations.inc();
    auto p = base_params(route, store, key, req, coding);  // keeps the client's fields
    strip_conditionals(req.headers);
    add_validators(req.headers, *obj);
    announce(req.headers);
    p.may_store = !req_cc.no_store;
    p.stale = obj;
    p.serve_stale_on_error = v.sie;
    p.stale_age = v.age;
    p.fwd = req_no_cache ? "request" : "stale";
    if (ctx) ctx->set(http::Slot::cache_status, "revalidate");
    CaptureExchange cx(ex, std::move(p));
    co_await ups->proxy(cx, *route.action, prefix);
    if (cx.answered_from_cache() && cx.upstream_status() != 304) metrics.stale.inc();
    co_return;
  }

  if (req_cc.only_if_cached) {
    co_await only_if_cached_miss(ex, rc);
    co_return;
  }
  metrics.misses.inc();
  if (ctx) ctx->set(http::Slot::cache_status, "miss");
  auto variants = store->variants(key);
  std::string fwd = variants.empty() ? "uri-miss" : "vary-miss";
  std::uint64_t lead = 0;
  if (rc.coalesce && req.method == "GET" && !is_conditional(client) && !client.has("range") &&
      !req_cc.no_store && !req_no_cache) {
    auto t = co_await Coalescer::instance().join(vkey, ex.executor(), rc.coalesce_timeout);
    lead = t.lead;
    if (t.waited) {
      metrics.coalesced.inc();
      if (auto o = store->find(key, match)) {
        const auto v = judge(*o, req_cc, req_no_cache, rc, route.clock->now());
        if (v.usable || v.ttl >= 0) {
          if (ctx) ctx->set(http::Slot::cache_status, "hit");
          co_await serve_hit(ex, *o, v, "coalesced", client, rc);
          co_return;
        }
      }
    }
  }
  auto p = base_params(route, store, key, req, coding);
  p.may_store = !req_cc.no_store;
  p.fwd = fwd;
  p.on_decided = [vkey, lead] { Coalescer::instance().release(vkey, lead); };
  if (!variants.empty() && !is_conditional(client)) {
    // Let the origin pick a stored variant (RFC 9111 4.3.1).
    std::string etags;
    for (const auto& v : variants) {
      // Never an encoded variant: the origin knows only its own
      // representation, and its 304 would pick a body of another coding.
      if (!variant_coding(*v).empty()) continue;
      if (const auto* e = v->header("etag"); e && !v->vary_star) {
        if (!etags.empty()) etags += ", ";
        etags += *e;
        p.candidates.push_back(v);
      }
    }
    if (!etags.empty()) req.headers.set("if-none-match", etags);
  } else if (route.compression && client.has("if-none-match")) {
    // The client may hold one of our encoded bodies: let the origin match
    // its own tag for it (the 304 goes back to the client as is).
    if (auto inm = origin_if_none_match(client.joined("if-none-match")); !inm.empty()) {
      req.headers.set("if-none-match", inm);
      p.mapped_if_none_match = is_encoded_coding(coding);
    }
  }
  announce(req.headers);
  CaptureExchange cx(ex, std::move(p));
  co_await ups->proxy(cx, *route.action, prefix);
}

}  // namespace strata::cache

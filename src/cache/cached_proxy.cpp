#include "cache/cached_proxy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "cache/cache_control.hpp"
#include "cache/capture_exchange.hpp"
#include "cache/coalescer.hpp"
#include "cache/conditional.hpp"
#include "cache/freshness.hpp"
#include "cache/key.hpp"
#include "cache/null_exchange.hpp"
#include "cache/request_metrics.hpp"
#include "cache/serve.hpp"
#include "cache/store.hpp"
#include "filter/local_reply.hpp"
#include "http/context.hpp"
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

// How a stored object stands against this request.
struct Verdict {
  std::int64_t age = 0;
  std::int64_t ttl = 0;        // lifetime - age (negative: stale by that much)
  bool usable = false;         // may answer without contacting the origin
  bool swr = false;            // may answer stale while one revalidation runs
  bool sie = false;            // may answer stale if the origin fails
};

Verdict judge(const Object& o, const CacheControl& req_cc, bool req_no_cache,
              const config::RouteCache& rc, WallTime now) {
  Verdict v;
  const auto occ = object_cache_control(o);
  v.age = current_age(o, now);
  v.ttl = freshness_lifetime(o, occ, rc).value_or(0) - v.age;
  const bool must = occ.must_revalidate || occ.proxy_revalidate || occ.s_maxage.has_value();
  const bool revalidate_always = occ.no_cache || o.invalidated || req_no_cache;
  bool ok = v.ttl > 0;
  if (req_cc.max_age && v.age > *req_cc.max_age) ok = false;
  if (req_cc.min_fresh && v.ttl < *req_cc.min_fresh) ok = false;
  if (!ok && v.ttl <= 0 && !must && !(req_cc.max_age && v.age > *req_cc.max_age) &&
      (req_cc.max_stale_any || (req_cc.max_stale && -v.ttl <= *req_cc.max_stale)))
    ok = true;  // the client accepts this much staleness
  v.usable = ok && !revalidate_always;
  const auto stale_by = -v.ttl;
  v.swr = !v.usable && !req_no_cache && !req_cc.max_age && !req_cc.min_fresh &&
          stale_by <= stale_while_revalidate_s(occ, rc) && stale_by >= 0 &&
          stale_while_revalidate_s(occ, rc) > 0;
  const auto sie = std::max(stale_if_error_s(occ, rc),
                            must ? std::int64_t(0) : req_cc.stale_if_error.value_or(0));
  v.sie = sie > 0 && stale_by <= sie;
  return v;
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
  co_await serve_object(ex, o, so);
}

CaptureParams base_params(const CachedRoute& route, std::shared_ptr<Store> store,
                          std::string key, const http::Request& req) {
  CaptureParams p;
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
  const auto& rc = *route.cache;
  auto& metrics = RequestMetrics::get();
  auto* ctx = ex.context();
  const std::string client_ip(ctx ? ctx->client_ip.view() : std::string_view(ex.conn().peer_ip));
  auto store = process_store();
  std::string key = primary_key(req, client_ip, rc.key);

  const bool cacheable_method = req.method == "GET" || req.method == "HEAD";
  if (!cacheable_method || rc.private_ || !store) {
    auto p = base_params(route, nullptr, key, req);
    p.fwd = !cacheable_method ? "method" : "bypass";
    const bool unsafe = !safe_method(req.method);
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

  const auto req_cc = parse_cache_control(req.headers);
  const bool req_no_cache = req_cc.no_cache || pragma_no_cache(req.headers);
  const http::Headers client = req.headers;
  auto match = [&client](const Object& o) { return vary_matches(o, client); };
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
      if (const auto lead = Coalescer::instance().try_lead("reval\n" + key)) {
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
        auto p = base_params(route, store, key, req);
        p.method = "GET";
        p.stale = obj;
        p.fwd = "stale";
        p.on_decided = [k = "reval\n" + key, lead] { Coalescer::instance().release(k, lead); };
        asio::co_spawn(ex.executor(),
                       revalidate_in_background(ups, route, std::string(prefix), std::move(r),
                                                ex.conn(), std::move(p)),
                       asio::detached);
      }
      co_await serve_hit(ex, *obj, v, "stale-while-revalidate", client, rc);
      co_return;
    }
    if (req_cc.only_if_cached) {
      co_await filter::send_local_reply(ex, filter::local_reply(504, "cache-only-if-cached",
                                                                "not in the cache\n"));
      co_return;
    }
    // Revalidate (or refetch when the object has no validator).
    metrics.revalidations.inc();
    strip_conditionals(req.headers);
    add_validators(req.headers, *obj);
    auto p = base_params(route, store, key, req);
    p.client = client;
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
    co_await filter::send_local_reply(ex, filter::local_reply(504, "cache-only-if-cached",
                                                              "not in the cache\n"));
    co_return;
  }
  metrics.misses.inc();
  if (ctx) ctx->set(http::Slot::cache_status, "miss");
  std::string fwd = store->variants(key).empty() ? "uri-miss" : "vary-miss";
  std::uint64_t lead = 0;
  if (rc.coalesce && req.method == "GET" && !is_conditional(client) && !client.has("range") &&
      !req_cc.no_store && !req_no_cache) {
    auto t = co_await Coalescer::instance().join(key, ex.executor(), rc.coalesce_timeout);
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
  auto p = base_params(route, store, key, req);
  p.may_store = !req_cc.no_store;
  p.fwd = fwd;
  p.on_decided = [key, lead] { Coalescer::instance().release(key, lead); };
  CaptureExchange cx(ex, std::move(p));
  co_await ups->proxy(cx, *route.action, prefix);
}

}  // namespace strata::cache

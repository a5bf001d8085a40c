#include "cache/lkg_cache.hpp"

#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

#include "cache/freshness.hpp"
#include "http/headers.hpp"
#include "obs/metrics.hpp"

namespace strata::cache {

namespace {

using upstream::resilience::LkgKey;
using upstream::resilience::LkgResponse;

// The old per-worker store's measure of a copy (its bounds keep meaning).
std::uint64_t size_of(const LkgKey& k, const LkgResponse& r) {
  std::uint64_t n = k.authority.size() + k.target.size() + r.body.size() + 16;
  for (const auto& [name, v] : r.headers) n += name.size() + v.size() + 4;
  return n;
}

// Route defaults for the freshness of a copy: its own directives, else the
// RFC 9111 heuristic (Last-Modified), else none.
const config::RouteCache& plain_route() {
  static const config::RouteCache rc;
  return rc;
}

// The time until which `o` may be served: freshness lifetime + ttl after
// the moment its age was 0.
WallTime usable_until(const Object& o, std::chrono::milliseconds ttl) {
  const auto lifetime = freshness_lifetime(o, object_cache_control(o), plain_route()).value_or(0);
  const auto initial_age = current_age(o, o.response_time);
  return o.response_time + std::chrono::seconds(lifetime - initial_age) + ttl;
}

}  // namespace

LkgCache::LkgCache(const core::WallClock& clock, StoreSource store,
                   std::chrono::milliseconds refresh)
    : clock_(clock), store_(std::move(store)), refresh_(refresh) {}

std::string LkgCache::url_of(const LkgKey& k) {
  std::string u = k.scheme.empty() ? std::string("http") : std::string(k.scheme);
  u += "://";
  u += http::to_lower(k.authority);
  u += k.target;
  return u;
}

std::string LkgCache::store_key(const LkgKey& k) {
  std::string s = "lkg\n";
  s += k.route;
  s += '\n';
  s += url_of(k);
  return s;
}

LkgCache::Route& LkgCache::route_locked(const std::string& name) {
  auto [it, fresh] = routes_.try_emplace(name);
  if (fresh) {
    const obs::Labels l{{"route", name}};
    it->second.copies_gauge = &obs::gauge("strata_last_known_good_copies",
                                          "last-known-good copies a route holds", l);
    it->second.bytes_gauge = &obs::gauge("strata_last_known_good_bytes",
                                         "bytes of the last-known-good copies a route holds", l);
    it->second.evicted = &obs::counter("strata_last_known_good_evicted_total",
                                       "last-known-good copies dropped by the route's bounds", l);
  }
  return it->second;
}

void LkgCache::report(Route& r) {
  if (r.copies_gauge) r.copies_gauge->set(static_cast<std::int64_t>(r.map.size()));
  if (r.bytes_gauge) r.bytes_gauge->set(static_cast<std::int64_t>(r.bytes));
}

void LkgCache::drop(Route& r, List::iterator it) {
  r.bytes -= it->bytes;
  r.map.erase(it->key);
  r.lru.erase(it);
  report(r);
}

void LkgCache::forget(const std::string& route, const std::string& key) {
  std::lock_guard lk(mu_);
  auto rit = routes_.find(route);
  if (rit == routes_.end()) return;
  if (auto it = rit->second.map.find(key); it != rit->second.map.end()) drop(rit->second, it->second);
}

bool LkgCache::put(const LkgKey& key, const config::LastKnownGood& cfg, LkgResponse r) {
  const auto n = size_of(key, r);
  if (n > max_item_bytes(cfg)) return false;
  auto store = store_();
  if (!store) return false;
  const auto now = clock_.now();
  std::string k = store_key(key);
  store->record_access(k);  // each 200 for the URL: W-TinyLFU values the copy by it
  const std::uint64_t digest =
      std::hash<std::string_view>{}(r.body) ^ (std::uint64_t(r.status) * 0x9e3779b97f4a7c15ull);
  {
    std::lock_guard lk(mu_);
    auto rit = routes_.find(std::string(key.route));
    if (rit != routes_.end())
      if (auto it = rit->second.map.find(k); it != rit->second.map.end())
        if (it->second->digest == digest && now - it->second->stored < refresh_) {
          rit->second.lru.splice(rit->second.lru.begin(), rit->second.lru, it->second);
          return true;  // the same content, stored moments ago
        }
  }
  auto o = std::make_shared<Object>();
  o->key = k;
  o->url = url_of(key);
  o->status = r.status;
  o->headers.reserve(r.headers.size());
  for (auto& [name, v] : r.headers) o->headers.push_back({http::to_lower(name), std::move(v)});
  o->body = std::make_shared<const std::string>(std::move(r.body));
  o->request_time = o->response_time = now;
  o->tags = {"last-known-good"};
  if (!store->insert(std::move(o))) return false;

  std::vector<std::string> evicted;
  {
    std::lock_guard lk(mu_);
    auto& route = route_locked(std::string(key.route));
    if (auto it = route.map.find(k); it != route.map.end()) drop(route, it->second);
    route.lru.push_front(Entry{k, n, digest, now});
    route.map.emplace(std::move(k), route.lru.begin());
    route.bytes += n;
    while (route.lru.size() > 1 && (route.map.size() > cfg.max_entries || route.bytes > cfg.max_bytes)) {
      auto last = std::prev(route.lru.end());
      evicted.push_back(last->key);
      drop(route, last);
      if (route.evicted) route.evicted->inc();
    }
    report(route);
  }
  for (const auto& e : evicted) store->erase(e);
  return true;
}

std::optional<LkgResponse> LkgCache::get(const LkgKey& key, const config::LastKnownGood& cfg) {
  auto store = store_();
  if (!store) return std::nullopt;
  const auto k = store_key(key);
  const std::string route(key.route);
  auto o = store->find(k, [](const Object&) { return true; });
  if (!o) {  // evicted or purged meanwhile
    forget(route, k);
    return std::nullopt;
  }
  if (clock_.now() >= usable_until(*o, cfg.ttl)) {
    store->erase(k);
    forget(route, k);
    return std::nullopt;
  }
  {
    std::lock_guard lk(mu_);
    auto rit = routes_.find(route);
    if (rit != routes_.end())
      if (auto it = rit->second.map.find(k); it != rit->second.map.end())
        rit->second.lru.splice(rit->second.lru.begin(), rit->second.lru, it->second);
  }
  LkgResponse r;
  r.status = o->status;
  r.headers.reserve(o->headers.size());
  for (const auto& f : o->headers) r.headers.emplace_back(f.name, f.value);
  r.body = *o->body;
  return r;
}

std::size_t LkgCache::size(const std::string& route) const {
  std::lock_guard lk(mu_);
  auto it = routes_.find(route);
  return it == routes_.end() ? 0 : it->second.map.size();
}

std::uint64_t LkgCache::bytes(const std::string& route) const {
  std::lock_guard lk(mu_);
  auto it = routes_.find(route);
  return it == routes_.end() ? 0 : it->second.bytes;
}

}  // namespace strata::cache

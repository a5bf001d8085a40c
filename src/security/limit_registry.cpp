#include "security/limit_registry.hpp"

#include <algorithm>
#include <cmath>

#include "config/redis.hpp"
#include "obs/metrics.hpp"
#include "security/global_limit.hpp"

namespace strata::security {

GcraParams gcra_params(const config::RateLimit& cfg) {
  GcraParams p;
  const double per_ns = double(std::chrono::nanoseconds(cfg.per).count());
  p.interval = std::max<std::int64_t>(1, std::int64_t(std::llround(per_ns / cfg.rate)));
  p.burst = cfg.burst ? cfg.burst : std::max<std::uint32_t>(1, std::uint32_t(cfg.rate));
  p.tolerance = p.interval * std::int64_t(p.burst);
  return p;
}

bool same_state(const config::RateLimit& a, const config::RateLimit& b) {
  return a.name == b.name && a.rate == b.rate && a.per == b.per && a.burst == b.burst &&
         a.key == b.key && a.ipv4_prefix == b.ipv4_prefix && a.ipv6_prefix == b.ipv6_prefix &&
         a.max_keys == b.max_keys && a.global == b.global && a.local_allowance == b.local_allowance;
}

LimitState::LimitState(std::string id_, const config::RateLimit& cfg_, const core::Clock& clock_,
                       std::shared_ptr<GlobalBackend> backend_, obs::Gauge* keys,
                       obs::Counter* evicted)
    : id(std::move(id_)),
      cfg(cfg_),
      p(gcra_params(cfg_)),
      clock(&clock_),
      table(cfg_.max_keys, keys, evicted),
      backend(std::move(backend_)) {
  allowance = std::max<std::uint32_t>(1, std::uint32_t(std::floor(cfg.local_allowance * p.burst)));
}

GcraResult LimitState::decide(std::string_view key) {
  const std::int64_t t = now();
  if (backend) return decide_global(*this, key, t);
  return table.touch(key, [&](LimitEntry& e) { return gcra_check(e.tat, t, p); });
}

void LimitState::refund(std::string_view key) {
  table.find(key, [&](LimitEntry& e) {
    if (backend && backend->up()) {
      if (e.pending) --e.pending;
    } else {
      e.tat -= p.interval;
    }
  });
}

LimitRegistry& LimitRegistry::global() {
  static LimitRegistry r;
  return r;
}

// The metrics registry is used first so that it outlives this one (static
// destruction runs in reverse order): the backend's thread is joined in
// ~LimitRegistry while metrics still exist.
LimitRegistry::LimitRegistry() { (void)obs::Registry::global(); }

LimitRegistry::~LimitRegistry() {
  if (backend_) backend_->shutdown();
}

std::shared_ptr<LimitState> LimitRegistry::acquire(const std::string& route,
                                                   const config::RateLimit& cfg,
                                                   const config::RedisConfig* redis,
                                                   const core::Clock& clock) {
  const std::string id = route + "/" + cfg.name;
  std::lock_guard lk(mu_);
  auto& slot = states_[id];
  if (auto live = slot.lock(); live && same_state(live->cfg, cfg) && live->clock == &clock)
    return live;
  std::shared_ptr<GlobalBackend> backend;
  if (cfg.global && redis) {
    if (!backend_) backend_ = std::make_shared<GlobalBackend>(*redis);
    backend = backend_;
  }
  const obs::Labels labels{{"route", route}, {"limit", cfg.name}};
  auto s = std::make_shared<LimitState>(
      id, cfg, clock, std::move(backend),
      &obs::gauge("strata_limit_keys", "Keys tracked by a rate limit (process)", labels),
      &obs::counter("strata_limit_keys_evicted_total",
                    "Rate limit keys evicted (least recently used) to stay under max_keys", labels));
  if (s->backend)
    s->fallback = &obs::counter("strata_limit_redis_fallback_total",
                                "Requests of global limits decided locally: Redis unreachable", labels);
  slot = s;
  // Forget the ids whose limits no generation uses any more.
  for (auto it = states_.begin(); it != states_.end();)
    it = it->second.expired() ? states_.erase(it) : std::next(it);
  return s;
}

}  // namespace strata::security

#include "upstream/cluster/cluster.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "obs/metrics.hpp"
#include "upstream/resilience/priority_load.hpp"

namespace strata::upstream::cluster {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string endpoint_key(std::string_view host, std::uint16_t port) {
  std::string k;
  if (host.find(':') != std::string_view::npos) {
    k = "[";
    k += host;
    k += "]";
  } else {
    k = host;
  }
  k += ':';
  k += std::to_string(port);
  return k;
}

Cluster::Cluster(asio::any_io_executor ex, config::Cluster cfg, std::uint64_t seed,
                 const core::Clock& clock)
    : ex_(ex),
      cfg_(std::move(cfg)),
      clock_(clock),
      seed_(seed),
      rng_(seed ^ 0x9e3779b97f4a7c15ull),
      status_(cluster_status(cfg_)),
      timer_(ex),
      dns_errors_(&obs::counter("strata_upstream_dns_errors_total",
                                "Failed DNS resolutions of upstream endpoint names",
                                {{"cluster", cfg_.name}})) {
  for (const auto& e : cfg_.endpoints) {
    auto ep = std::make_shared<Endpoint>();
    ep->host = e.host;
    ep->port = e.port;
    ep->weight = e.weight == 0 ? 1 : e.weight;
    ep->key = endpoint_key(e.host, e.port);
    ep->priority = e.priority;
    ep->index = endpoints_.size();
    ep->status = status_->endpoint(ep->key);
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(e.host, ec);
    if (!ec) {
      ep->addrs.emplace_back(addr, e.port);
    } else {
      ep->dns = true;
    }
    endpoints_.push_back(std::move(ep));
  }
  resilience::OutlierConfig oc;
  oc.consecutive_errors = 0;  // error-based ejection only with outlier_detection
  if (const auto& o = cfg_.outlier_detection) {
    oc.consecutive_errors = o->consecutive_errors;
    oc.base_ejection = o->base_ejection;
    oc.max_ejection = o->max_ejection;
    oc.max_ejected_percent = o->max_ejected_percent;
  }
  oc.connect_failures = cfg_.connect_failure.skip_after;
  oc.connect_skip = cfg_.connect_failure.skip_for;
  if (oc.consecutive_errors || oc.connect_failures) outlier_.emplace(oc, clock_, endpoints_.size());
  rebuild();
}

void Cluster::start() {
  bool any_dns = false;
  for (const auto& e : endpoints_) any_dns |= e->dns;
  if (!any_dns || stopped_) return;
  asio::co_spawn(ex_, [self = shared_from_this()] { return self->resolve_loop(); },
                 asio::detached);
}

void Cluster::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> Cluster::resolve_loop() {
  tcp::resolver resolver(ex_);
  while (!stopped_) {
    bool changed = false;
    for (const auto& ep : endpoints_) {
      if (!ep->dns) continue;
      auto [ec, results] = co_await resolver.async_resolve(
          ep->host, std::to_string(ep->port), asio::as_tuple(asio::use_awaitable));
      if (stopped_) co_return;
      if (ec || results.empty()) {
        dns_errors_->inc();  // keep the previous addresses
        continue;
      }
      std::vector<tcp::endpoint> addrs;
      for (const auto& r : results) addrs.push_back(r.endpoint());
      if (addrs != ep->addrs) {
        ep->addrs = std::move(addrs);
        changed = true;
      }
    }
    ++dns_rounds_;
    if (changed) rebuild();
    timer_.expires_after(cfg_.dns_refresh);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled by stop(): the loop condition ends it
  }
}

void Cluster::rebuild() {
  levels_.clear();
  for (const auto& ep : endpoints_) {
    if (ep->addrs.empty()) continue;
    auto it = std::find_if(levels_.begin(), levels_.end(),
                           [&](const Level& l) { return l.priority == ep->priority; });
    if (it == levels_.end()) {
      Level l;
      l.priority = ep->priority;
      l.policy = lb::make_policy(cfg_.lb, cfg_.ring_size, seed_ + ep->priority);
      levels_.push_back(std::move(l));
      it = std::prev(levels_.end());
    }
    it->live.push_back(ep);
    it->hosts.push_back(lb::Host{ep->key, ep->weight, ep->active, 0});
  }
  std::sort(levels_.begin(), levels_.end(),
            [](const Level& a, const Level& b) { return a.priority < b.priority; });
  for (auto& l : levels_) l.policy->update(l.hosts);
}

bool Cluster::ejected(Endpoint& ep) {
  if (!outlier_) return false;
  const bool now = outlier_->ejected(ep.index);
  if (ep.marked_ejected != now) {
    ep.marked_ejected = now;
    if (ep.status) {
      if (now) ++ep.status->ejected_by;
      else --ep.status->ejected_by;
    }
    if (!now) spdlog::info("upstream {} endpoint {} returns from ejection", cfg_.name, ep.key);
  }
  return now;
}

bool Cluster::available(const Endpoint& ep) {
  if (ep.addrs.empty()) return false;
  if (cfg_.health_check && ep.status && !ep.status->healthy.load(std::memory_order_relaxed))
    return false;
  return !ejected(const_cast<Endpoint&>(ep));
}

bool Cluster::record(Endpoint& ep, bool error, double seconds) {
  if (seconds >= 0) ep.latency.observe(seconds, clock_.now());
  if (!outlier_) return false;
  if (!outlier_->record(ep.index, error)) return false;
  ejected(ep);  // marks it and counts it in the shared status
  if (status_ && status_->ejections) status_->ejections->inc();
  spdlog::info("upstream {} endpoint {} ejected by outlier detection (ejection #{})", cfg_.name,
               ep.key, outlier_->times_ejected(ep.index));
  return true;
}

bool Cluster::record_connect(Endpoint& ep, bool failed) {
  if (!outlier_ || !outlier_->record_connect(ep.index, failed)) return false;
  ejected(ep);  // marks it and counts it in the shared status
  if (status_ && status_->connect_skips) status_->connect_skips->inc();
  spdlog::info("upstream {} endpoint {} skipped for {} ms after {} connect failures in a row",
               cfg_.name, ep.key, cfg_.connect_failure.skip_for.count(),
               cfg_.connect_failure.skip_after);
  return true;
}

Endpoint* Cluster::pick_in(Level& lv, std::uint64_t hash, std::span<const Endpoint* const> exclude,
                           const Admit& admit, bool allow_excluded, bool panic) {
  const auto usable = [&](const Endpoint& e) {
    if (!allow_excluded && std::find(exclude.begin(), exclude.end(), &e) != exclude.end())
      return false;
    return (panic ? !e.addrs.empty() : available(e)) && (!admit || admit(e));
  };
  for (std::size_t i = 0; i < lv.live.size(); ++i) {
    lv.hosts[i].active = lv.live[i]->active;
    lv.hosts[i].latency = lv.live[i]->latency.value();
  }
  // The policy's choice first; a few more draws if it is unusable, then a scan.
  for (std::uint64_t t = 0; t < 4; ++t) {
    const auto idx = lv.policy->pick(lv.hosts, hash + t * 0x9e3779b97f4a7c15ull);
    if (!idx) return nullptr;
    if (usable(*lv.live[*idx])) return lv.live[*idx].get();
  }
  const std::size_t n = lv.live.size();
  const std::size_t start = n ? std::size_t(rng_() % n) : 0;
  for (std::size_t k = 0; k < n; ++k) {
    const auto& e = lv.live[(start + k) % n];
    if (usable(*e)) return e.get();
  }
  return nullptr;
}

Endpoint* Cluster::pick(std::uint64_t hash, std::span<const Endpoint* const> exclude,
                           const Admit& admit) {
  if (levels_.empty()) return nullptr;
  std::size_t level = 0;
  if (levels_.size() > 1) {
    std::vector<resilience::PriorityLevel> counts;
    for (const auto& l : levels_) {
      resilience::PriorityLevel pl;
      pl.total = std::uint32_t(l.live.size());
      for (const auto& e : l.live) pl.healthy += available(*e) && (!admit || admit(*e));
      counts.push_back(pl);
    }
    const auto load = resilience::priority_load(counts);
    level = resilience::pick_priority(load, std::uint32_t(rng_() % 100));
    if (level >= levels_.size()) level = 0;
  }
  // The drawn level, then the others in priority order; excluded endpoints
  // only when nothing else is left.
  for (bool allow_excluded : {false, true}) {
    if (auto e = pick_in(levels_[level], hash, exclude, admit, allow_excluded, false)) return e;
    for (std::size_t l = 0; l < levels_.size(); ++l)
      if (l != level)
        if (auto e = pick_in(levels_[l], hash, exclude, admit, allow_excluded, false)) return e;
    if (exclude.empty()) break;
  }
  // Panic: nothing is healthy; spread over everything that has an address
  // rather than refuse all traffic (as Envoy does below its panic threshold).
  for (auto& lv : levels_)
    if (auto e = pick_in(lv, hash, exclude, admit, true, true)) return e;
  return nullptr;
}

}  // namespace strata::upstream::cluster

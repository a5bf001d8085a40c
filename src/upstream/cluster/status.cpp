#include "upstream/cluster/status.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "obs/metrics.hpp"
#include "upstream/cluster/cluster.hpp"

namespace strata::upstream::cluster {

namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<ClusterStatus>> clusters;
};

Registry& registry() {
  static Registry r;
  return r;
}

bool same_endpoints(const ClusterStatus& s, const config::Cluster& c) {
  if (s.endpoints.size() != c.endpoints.size()) return false;
  if (s.health_checked != c.health_check.has_value()) return false;
  for (std::size_t i = 0; i < c.endpoints.size(); ++i) {
    const auto& e = c.endpoints[i];
    const auto& st = *s.endpoints[i];
    if (st.key != endpoint_key(e.host, e.port) || st.priority != e.priority || st.region != e.region)
      return false;
  }
  return true;
}

const char* state_name(int s) { return s == 1 ? "open" : s == 2 ? "half_open" : "closed"; }

}  // namespace

void EndpointStatus::set_healthy(bool h, std::string_view why) {
  if (healthy.exchange(h) == h) return;
  if (healthy_gauge) healthy_gauge->set(h ? 1 : 0);
  spdlog::info("upstream {} endpoint {} marked {} by active health check ({})", cluster, key,
               h ? "up" : "down", why);
}

void ClusterStatus::breaker_transition(int from, int to, std::string_view scope) {
  if (from == 1) --breakers_open;
  if (from == 2) --breakers_half_open;
  if (to == 1) ++breakers_open;
  if (to == 2) ++breakers_half_open;
  if (to == 1 && to_open) to_open->inc();
  if (to == 2 && to_half_open) to_half_open->inc();
  if (to == 0 && to_closed) to_closed->inc();
  if (breaker_state)
    breaker_state->set(breakers_open.load() > 0 ? 1 : breakers_half_open.load() > 0 ? 2 : 0);
  spdlog::info("upstream {} circuit breaker ({}) {} -> {}", name, scope, state_name(from),
               state_name(to));
}

std::shared_ptr<EndpointStatus> ClusterStatus::endpoint(std::string_view key) const {
  for (const auto& e : endpoints)
    if (e->key == key) return e;
  return nullptr;
}

std::shared_ptr<ClusterStatus> cluster_status(const config::Cluster& c) {
  auto& r = registry();
  std::lock_guard lk(r.mu);
  auto& slot = r.clusters[c.name];
  auto old = slot.lock();
  if (old && same_endpoints(*old, c)) return old;
  auto s = std::make_shared<ClusterStatus>();
  s->name = c.name;
  s->health_checked = c.health_check.has_value();
  const obs::Labels cl{{"cluster", c.name}};
  s->breaker_state = &obs::gauge("strata_breaker_state",
                                 "Circuit breaker state: 0 closed, 1 open, 2 half-open", cl);
  s->breaker_state->set(0);
  const auto tr = [&](const char* to) {
    return &obs::counter("strata_breaker_transitions_total", "Circuit breaker transitions",
                         {{"cluster", c.name}, {"to", to}});
  };
  s->to_open = tr("open");
  s->to_half_open = tr("half_open");
  s->to_closed = tr("closed");
  s->ejections = &obs::counter("strata_upstream_ejections_total",
                               "Endpoints ejected by passive outlier detection", cl);
  s->retries = &obs::counter("strata_upstream_retries_total", "Upstream request retries", cl);
  s->connect_skips = &obs::counter("strata_upstream_connect_failure_skips_total",
                                   "Endpoints set aside after consecutive connect failures "
                                   "(connect_failure.skip_after)",
                                   cl);
  s->connect_retries = &obs::counter("strata_upstream_connect_failure_retries_total",
                                     "Requests resent to another endpoint after a failed connect "
                                     "(connect_failure.retry)",
                                     cl);
  const auto of = [&](const char* reason) {
    return &obs::counter("strata_bulkhead_overflow_total",
                         "Requests refused by a cluster bulkhead limit",
                         {{"cluster", c.name}, {"reason", reason}});
  };
  s->overflow_requests = of("requests");
  s->overflow_pending = of("pending");
  s->overflow_connections = of("connections");
  s->overflow_retries = of("retries");
  for (const auto& e : c.endpoints) {
    auto ep = std::make_shared<EndpointStatus>();
    ep->cluster = c.name;
    ep->key = endpoint_key(e.host, e.port);
    ep->priority = e.priority;
    ep->region = e.region;
    if (old && c.health_check)
      if (auto prev = old->endpoint(ep->key)) ep->healthy = prev->healthy.load();
    ep->healthy_gauge = &obs::gauge("strata_upstream_endpoint_healthy",
                                    "1 when active health checks pass (or none are configured)",
                                    {{"cluster", c.name}, {"endpoint", ep->key}});
    ep->healthy_gauge->set(ep->healthy ? 1 : 0);
    s->endpoints.push_back(std::move(ep));
  }
  slot = s;
  return s;
}

std::string clusters_json() {
  std::vector<std::shared_ptr<ClusterStatus>> live;
  {
    auto& r = registry();
    std::lock_guard lk(r.mu);
    for (auto it = r.clusters.begin(); it != r.clusters.end();) {
      if (auto s = it->second.lock()) {
        live.push_back(std::move(s));
        ++it;
      } else {
        it = r.clusters.erase(it);
      }
    }
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& s : live) {
    const auto open = s->breakers_open.load(), half = s->breakers_half_open.load();
    nlohmann::json eps = nlohmann::json::array();
    for (const auto& e : s->endpoints) {
      nlohmann::json ej{{"address", e->key},
                        {"priority", e->priority},
                        {"healthy", e->healthy.load()},
                        {"health_checked", s->health_checked},
                        {"ejected", e->ejected_by.load() > 0},
                        {"ejected_on_workers", e->ejected_by.load()},
                        {"breaker_open", e->breaker_open.load() > 0},
                        {"active_requests", e->active.value()}};
      if (!e->region.empty()) ej["region"] = e->region;
      eps.push_back(std::move(ej));
    }
    out[s->name] = {
        {"breaker", {{"state", open > 0 ? "open" : half > 0 ? "half_open" : "closed"},
                     {"open", open},
                     {"half_open", half},
                     {"transitions", {{"open", s->to_open->value()},
                                      {"half_open", s->to_half_open->value()},
                                      {"closed", s->to_closed->value()}}}}},
        {"bulkhead", {{"active_requests", s->requests_active.value()},
                      {"pending_requests", s->requests_pending.load()},
                      {"active_retries", s->retries_active.load()},
                      {"overflow", {{"requests", s->overflow_requests->value()},
                                    {"pending", s->overflow_pending->value()},
                                    {"connections", s->overflow_connections->value()},
                                    {"retries", s->overflow_retries->value()}}}}},
        {"pool", {{"connections", s->connections.load()}}},
        {"ejections_total", s->ejections->value()},
        {"retries_total", s->retries->value()},
        {"connect_failure", {{"retries_total", s->connect_retries->value()},
                             {"skips_total", s->connect_skips->value()}}},
        {"endpoints", std::move(eps)}};
  }
  return out.dump(2);
}

}  // namespace strata::upstream::cluster

#include "upstream/upstreams_impl.hpp"

#include <spdlog/spdlog.h>

#include "upstream/health/health_checker.hpp"
#include "upstream/pool/connector.hpp"

namespace strata::upstream {

namespace {
// By Outcome (upstreams_impl.hpp).
constexpr std::string_view kOutcomes[kOutcomeCount] = {
    "success",     "connect_error",    "timeout",
    "upstream_reset", "bad_response",  "no_endpoint",
    "downstream_error", "unsupported_protocol"};
}

ClusterMetrics::ClusterMetrics(const std::string& c)
    : duration(&obs::histogram("strata_upstream_request_duration_seconds",
                               "Upstream request duration, first byte sent to last relayed",
                               {{"cluster", c}})),
      idle(&obs::gauge("strata_upstream_pool_connections", "Upstream pooled connections",
                       {{"cluster", c}, {"state", "idle"}})),
      busy(&obs::gauge("strata_upstream_pool_connections", "Upstream pooled connections",
                       {{"cluster", c}, {"state", "busy"}})),
      connect_errors(&obs::counter("strata_upstream_connect_errors_total",
                                   "Failed upstream connection attempts", {{"cluster", c}})),
      stale_retries(&obs::counter("strata_upstream_stale_connection_retries_total",
                                  "Requests resent on a new connection because the pooled "
                                  "connection they took had been closed by the upstream",
                                  {{"cluster", c}})),
      opened(&obs::counter("strata_upstream_connections_opened_total",
                           "New upstream connections (connected)", {{"cluster", c}})),
      pool_overflow(&obs::counter("strata_upstream_pool_overflow_closes_total",
                                  "Upstream connections closed after a request because the idle "
                                  "pool was at its cap", {{"cluster", c}})) {
  for (std::size_t i = 0; i < kOutcomeCount; ++i)
    by_outcome[i] = &obs::counter("strata_upstream_requests_total", "Upstream requests by outcome",
                                  {{"cluster", c}, {"outcome", std::string(kOutcomes[i])}});
}

ClusterState::ClusterState(boost::asio::any_io_executor ex, const config::Cluster& cfg,
                           std::uint64_t seed, const core::Clock& clk)
    : cluster(std::make_shared<cluster::Cluster>(ex, cfg, seed, clk)),
      metrics(cfg.name),
      status(cluster->status()),
      guards(cfg, status, clk) {
  const bool h2_tls = cfg.protocol == config::UpstreamProtocol::h2;
  if (cfg.tls || h2_tls) tls = pool::make_client_tls(cfg, {h2_tls ? "h2" : "http/1.1"});
}

ClusterState::~ClusterState() = default;

pool::H1Pool& ClusterState::pool_for(const std::string& key) {
  auto& p = pools_[key];
  if (!p) {
    const auto& c = cluster->config();
    p = std::make_unique<pool::H1Pool>(c.max_idle_per_endpoint, c.idle_timeout, metrics.idle,
                                       c.max_connections_per_endpoint, metrics.pool_overflow);
    if (stopped) p->close();
  }
  return *p;
}

pool::H2Pool& ClusterState::h2_pool_for(const std::string& key, boost::asio::any_io_executor ex,
                                        const config::Limits& limits) {
  auto& p = h2_pools_[key];
  if (!p) {
    const auto& c = cluster->config();
    pool::H2ConnOptions o;
    o.limits.initial_window = limits.h2_initial_window;
    o.limits.connection_window = limits.h2_connection_window;
    o.limits.max_header_bytes = limits.max_header_bytes;
    o.limits.max_headers = limits.max_headers;
    o.max_streams = c.h2_max_streams_per_connection;
    o.idle_timeout = c.idle_timeout;
    o.idle_gauge = metrics.idle;
    o.busy_gauge = metrics.busy;
    p = std::make_unique<pool::H2Pool>(std::move(ex), o, c.max_connections_per_endpoint);
    if (stopped) p->close();
  }
  return *p;
}

void ClusterState::stop() {
  stopped = true;
  if (checker) checker->stop();
  cluster->stop();
  for (auto& [k, p] : pools_) p->close();
  for (auto& [k, p] : h2_pools_) p->close();
}

bool same_cluster(const config::Cluster& a, const config::Cluster& b) {
  if (a.endpoints.size() != b.endpoints.size()) return false;
  for (std::size_t i = 0; i < a.endpoints.size(); ++i) {
    const auto &x = a.endpoints[i], &y = b.endpoints[i];
    if (x.host != y.host || x.port != y.port || x.weight != y.weight || x.priority != y.priority ||
        x.region != y.region)
      return false;
  }
  const bool hash_same =
      a.hash_on.has_value() == b.hash_on.has_value() &&
      (!a.hash_on || (a.hash_on->kind == b.hash_on->kind && a.hash_on->name == b.hash_on->name));
  return hash_same && a.name == b.name && a.protocol == b.protocol && a.lb == b.lb &&
         a.tls == b.tls && a.sni == b.sni && a.tls_verify == b.tls_verify &&
         a.connect_timeout == b.connect_timeout && a.idle_timeout == b.idle_timeout &&
         a.dns_refresh == b.dns_refresh && a.max_idle_per_endpoint == b.max_idle_per_endpoint &&
         a.max_connections_per_endpoint == b.max_connections_per_endpoint &&
         a.h2_max_streams_per_connection == b.h2_max_streams_per_connection &&
         a.ring_size == b.ring_size && a.circuit_breaker == b.circuit_breaker &&
         a.limits == b.limits && a.health_check == b.health_check &&
         a.outlier_detection == b.outlier_detection && a.retry_budget == b.retry_budget &&
         a.connect_failure == b.connect_failure;
}

UpstreamsImpl::UpstreamsImpl(boost::asio::any_io_executor ex, unsigned worker_id)
    : ex_(ex), worker_(worker_id), rng_(std::random_device{}() ^ (std::uint64_t(worker_id) << 32)) {}

void UpstreamsImpl::apply(std::shared_ptr<const config::Config> cfg) {
  std::map<std::string, std::shared_ptr<ClusterState>, std::less<>> next;
  for (const auto& [name, c] : cfg->clusters) {
    auto it = clusters_.find(name);
    if (it != clusters_.end() && same_cluster(it->second->cluster->config(), c)) {
      next.emplace(name, it->second);
      clusters_.erase(it);
      continue;
    }
    auto st = std::make_shared<ClusterState>(ex_, c, rng_());
    st->cluster->start();
    if (c.health_check && worker_ == 0) {  // one checker per endpoint per process
      st->checker = std::make_shared<health::HealthChecker>(ex_, st->cluster, st->status, st->tls,
                                                            rng_());
      st->checker->start();
    }
    next.emplace(name, std::move(st));
  }
  // Removed or changed clusters: idle connections close now; in-flight
  // requests hold their state and close their connection when done.
  for (auto& [name, st] : clusters_) st->stop();
  clusters_ = std::move(next);
  cfg_ = std::move(cfg);
}

void UpstreamsImpl::stop() {
  for (auto& [name, st] : clusters_) st->stop();
}

std::shared_ptr<Upstreams> Upstreams::create(boost::asio::any_io_executor ex, unsigned worker_id) {
  return std::make_shared<UpstreamsImpl>(ex, worker_id);
}

}  // namespace strata::upstream

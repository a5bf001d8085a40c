// The per-worker Upstreams implementation: one ClusterState per configured
// cluster (endpoints + LB, per-endpoint HTTP/1.1 pools, TLS context,
// metrics). Internal to upstream/; everything runs on the worker executor.
#pragma once
#include <array>
#include <map>

#include "core/loop_clock.hpp"
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "core/fast_rng.hpp"
#include "obs/metrics.hpp"
#include "upstream/cluster/cluster.hpp"
#include "upstream/pool/h1_pool.hpp"
#include "upstream/pool/h2_pool.hpp"
#include "upstream/pool/upstream_request.hpp"
#include "upstream/cluster_guards.hpp"
#include "upstream/try_result.hpp"
#include "upstream/upstreams.hpp"

namespace strata::upstream::health {
class HealthChecker;
}

namespace strata::upstream {

// The outcome label of strata_upstream_requests_total.
enum class Outcome : std::uint8_t {
  success,
  connect_error,
  timeout,
  upstream_reset,
  bad_response,
  no_endpoint,
  downstream_error,
  unsupported_protocol,
};
inline constexpr std::size_t kOutcomeCount = 8;

struct ClusterMetrics {
  explicit ClusterMetrics(const std::string& cluster);
  obs::Counter& requests(Outcome o) { return *by_outcome[std::size_t(o)]; }  // made once
  obs::Histogram* duration;
  obs::Gauge* idle;
  obs::Gauge* busy;
  obs::Counter* connect_errors;
  obs::Counter* stale_retries;  // resent after a pooled connection turned out closed
  obs::Counter* opened;         // new upstream connections (TCP connected)
  obs::Counter* pool_overflow;  // closed after a request because the idle pool was full
  std::array<obs::Counter*, kOutcomeCount> by_outcome{};
};

// One cluster on one worker: its endpoints and LB (cluster), connection
// pools, TLS context and metrics, used by the tries (try_once, proxy_h2);
// its resilience state is private to `guards`.
struct ClusterState {
  ClusterState(boost::asio::any_io_executor ex, const config::Cluster& cfg, std::uint64_t seed,
               const core::Clock& clock = core::LoopClock::instance());
  ~ClusterState();
  pool::H1Pool& pool_for(const std::string& endpoint_key);
  // The endpoint's HTTP/2 pool (protocols h2/h2c); `limits` size the
  // session windows and header limits when the pool is created.
  pool::H2Pool& h2_pool_for(const std::string& endpoint_key, boost::asio::any_io_executor ex,
                            const config::Limits& limits);
  void stop();

  std::shared_ptr<cluster::Cluster> cluster;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null for plain TCP
  ClusterMetrics metrics;
  std::shared_ptr<cluster::ClusterStatus> status;  // process-wide view
  std::shared_ptr<std::uint32_t> connections = std::make_shared<std::uint32_t>(0);
  bool stopped = false;
  std::shared_ptr<health::HealthChecker> checker;  // first worker only
  ClusterGuards guards;                            // breakers, bulkhead, retry accounting

 private:
  std::map<std::string, std::unique_ptr<pool::H1Pool>> pools_;
  std::map<std::string, std::unique_ptr<pool::H2Pool>> h2_pools_;
};

class UpstreamsImpl final : public Upstreams {
 public:
  UpstreamsImpl(boost::asio::any_io_executor ex, unsigned worker_id);
  void apply(std::shared_ptr<const config::Config> cfg) override;
  boost::asio::awaitable<void> proxy(http::Exchange& ex, const config::ProxyAction& action,
                                     std::string_view matched_prefix) override;
  void stop() override;

  // One try against one endpoint through `ex` (an AttemptExchange): never
  // answers the client itself on failure, only reports how it ended.
  boost::asio::awaitable<TryResult> try_once(http::Exchange& ex, ClusterState& st,
                                             cluster::Endpoint& ep,
                                             const pool::UpstreamRequest& ureq,
                                             std::chrono::milliseconds timeout);
  // The worker's state for a cluster of the current generation (null when
  // there is none); the caller's reference keeps it alive across a reload.
  std::shared_ptr<ClusterState> cluster_state(std::string_view name) const;
  // strata_degradation_tier_total{route,tier}, registered on first use.
  obs::Counter& tier_counter(const std::string& route, std::string_view tier);
  core::FastRng& rng() { return rng_; }

 private:
  boost::asio::any_io_executor ex_;
  unsigned worker_;
  std::shared_ptr<const config::Config> cfg_;
  std::map<std::string, std::shared_ptr<ClusterState>, std::less<>> clusters_;
  std::map<std::string, obs::Counter*> tier_counters_;  // "route\ntier"
  core::FastRng rng_;
};

// The HTTP/2 leg of a try (proxy_h2.cpp): borrows a stream from the
// endpoint's H2Pool and forwards the exchange, retrying once on a new
// connection when the upstream refused the stream. Like try_once it never
// answers the client on failure; it reports how the try ended.
boost::asio::awaitable<TryResult> proxy_h2(ClusterState& st, cluster::Endpoint& ep,
                                           http::Exchange& ex, const pool::UpstreamRequest& ureq,
                                           config::Duration timeout, const config::Config* cfg);

// True when two cluster configs would produce the same runtime state.
bool same_cluster(const config::Cluster& a, const config::Cluster& b);

}  // namespace strata::upstream

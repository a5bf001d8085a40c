// Process-wide, lock-free view of each cluster's resilience state, shared by
// every worker's copy of the cluster: endpoint health from active checks
// (written by the worker that runs the checker, read by all), ejections,
// breaker states (as counts of workers/endpoints in each state), bulkhead
// and pool usage. Workers update atomics on their own thread; the admin
// /clusters endpoint and metrics read them. Lookup (cluster_status) takes
// a mutex and happens only when a worker builds a cluster (apply/reload).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "obs/metrics.hpp"

namespace strata::obs {
class Counter;
class Gauge;
}  // namespace strata::obs

namespace strata::upstream::cluster {

struct EndpointStatus {
  std::string cluster;
  std::string key;              // "host:port"
  std::uint32_t priority = 0;
  std::string region;
  std::atomic<bool> healthy{true};             // active health checks (true when unchecked)
  std::atomic<std::uint32_t> ejected_by{0};    // workers currently ejecting it
  std::atomic<std::uint32_t> breaker_open{0};  // per-endpoint breakers open (any worker)
  obs::Gauge active;  // requests in flight, all workers (per-thread cells: no locked add)
  obs::Gauge* healthy_gauge = nullptr;

  // Active-check verdict: updates the flag and the gauge, logs the change.
  void set_healthy(bool h, std::string_view why);
};

struct ClusterStatus {
  std::string name;
  std::vector<std::shared_ptr<EndpointStatus>> endpoints;  // config order
  bool health_checked = false;

  // Breakers (cluster or per-endpoint, all workers) in each non-closed state.
  std::atomic<std::int32_t> breakers_open{0};
  std::atomic<std::int32_t> breakers_half_open{0};
  obs::Gauge requests_active;                     // bulkhead slots in use (per-thread cells)
  std::atomic<std::int64_t> requests_pending{0};  // queued for a slot
  std::atomic<std::int64_t> retries_active{0};
  std::atomic<std::int64_t> connections{0};       // open upstream connections

  // Metrics (registered once per cluster name).
  obs::Gauge* breaker_state = nullptr;   // 0 closed, 1 open, 2 half-open (worst)
  obs::Counter* to_open = nullptr;
  obs::Counter* to_half_open = nullptr;
  obs::Counter* to_closed = nullptr;
  obs::Counter* ejections = nullptr;
  obs::Counter* retries = nullptr;
  obs::Counter* connect_retries = nullptr;  // resent after a failed connect (connect_failure.retry)
  obs::Counter* connect_skips = nullptr;    // endpoints set aside (connect_failure.skip_after)
  obs::Counter* overflow_requests = nullptr;
  obs::Counter* overflow_pending = nullptr;
  obs::Counter* overflow_connections = nullptr;
  obs::Counter* overflow_retries = nullptr;

  // Records one breaker transition (from/to: 0 closed, 1 open, 2 half-open)
  // and refreshes the state gauge; logs it.
  void breaker_transition(int from, int to, std::string_view scope);
  std::shared_ptr<EndpointStatus> endpoint(std::string_view key) const;
};

// The shared status for a cluster config; the same object for every worker
// while the endpoint list is unchanged. Health verdicts carry over to a new
// object for endpoints that stay.
std::shared_ptr<ClusterStatus> cluster_status(const config::Cluster& c);

// JSON for the admin /clusters endpoint: every live cluster's breaker,
// bulkhead and pool usage, and its endpoints' health and ejection.
std::string clusters_json();

}  // namespace strata::upstream::cluster

// The per-worker Upstreams implementation: one ClusterState per configured
// cluster (endpoints + LB, per-endpoint HTTP/1.1 pools, TLS context,
// metrics). Internal to upstream/; everything runs on the worker executor.
#pragma once
#include <map>
#include <memory>
#include <random>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "obs/metrics.hpp"
#include "upstream/cluster/cluster.hpp"
#include "upstream/pool/h1_pool.hpp"
#include "upstream/pool/h2_pool.hpp"
#include "upstream/pool/upstream_request.hpp"
#include "upstream/upstreams.hpp"

namespace strata::upstream {

struct ClusterMetrics {
  explicit ClusterMetrics(const std::string& cluster);
  obs::Counter& requests(std::string_view outcome);  // cached, fixed outcomes
  obs::Histogram* duration;
  obs::Gauge* idle;
  obs::Gauge* busy;
  obs::Counter* connect_errors;
  std::map<std::string, obs::Counter*, std::less<>> by_outcome;
};

struct ClusterState {
  ClusterState(boost::asio::any_io_executor ex, const config::Cluster& cfg, std::uint64_t seed);
  pool::H1Pool& pool_for(const std::string& endpoint_key);
  // The endpoint's HTTP/2 pool (protocols h2/h2c); `limits` size the
  // session windows and header limits when the pool is created.
  pool::H2Pool& h2_pool_for(const std::string& endpoint_key, boost::asio::any_io_executor ex,
                            const config::Limits& limits);
  void stop();

  std::shared_ptr<cluster::Cluster> cluster;
  std::map<std::string, std::unique_ptr<pool::H1Pool>> pools;
  std::map<std::string, std::unique_ptr<pool::H2Pool>> h2_pools;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null for plain TCP
  ClusterMetrics metrics;
  bool stopped = false;
};

class UpstreamsImpl final : public Upstreams {
 public:
  UpstreamsImpl(boost::asio::any_io_executor ex, unsigned worker_id);
  void apply(std::shared_ptr<const config::Config> cfg) override;
  boost::asio::awaitable<void> proxy(http::Exchange& ex, const config::ProxyAction& action,
                                     std::string_view matched_prefix) override;
  void stop() override;

 private:
  boost::asio::any_io_executor ex_;
  unsigned worker_;
  std::shared_ptr<const config::Config> cfg_;
  std::map<std::string, std::shared_ptr<ClusterState>, std::less<>> clusters_;
  std::mt19937_64 rng_;
};

// The HTTP/2 proxy flow (proxy_h2.cpp): borrows a stream from the
// endpoint's H2Pool, forwards the exchange, retries once on a new
// connection when the upstream refused the stream, and always finishes the
// exchange. Returns the outcome label for strata_upstream_requests_total.
boost::asio::awaitable<std::string_view> proxy_h2(ClusterState& st, cluster::Endpoint& ep,
                                                  http::Exchange& ex,
                                                  const pool::UpstreamRequest& ureq,
                                                  config::Duration deadline,
                                                  const config::Config* cfg);

// True when two cluster configs would produce the same runtime state.
bool same_cluster(const config::Cluster& a, const config::Cluster& b);

}  // namespace strata::upstream

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
  void stop();

  std::shared_ptr<cluster::Cluster> cluster;
  std::map<std::string, std::unique_ptr<pool::H1Pool>> pools;
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

// True when two cluster configs would produce the same runtime state.
bool same_cluster(const config::Cluster& a, const config::Cluster& b);

}  // namespace strata::upstream

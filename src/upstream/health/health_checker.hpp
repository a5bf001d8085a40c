// Active health checks for one cluster: one coroutine per endpoint on the
// given executor (the first worker's), each checking every `interval` plus
// a random jitter in [0, jitter]; the first check runs at start.
//   tcp:  a connect (TLS handshake too when the cluster uses TLS) within
//         `timeout` passes.
//   http: "GET <path>" with Connection: close; passes when the status line
//         arrives within `timeout` and is in expect_statuses (default: any
//         2xx/3xx).
// Verdicts go through resilience::HealthState (rise/fall) and are published
// to the process-wide EndpointStatus, which every worker's picker reads.
// stop() ends the loops (in-flight checks are closed). Executor-affine.
#pragma once
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/config.hpp"
#include "upstream/cluster/cluster.hpp"
#include "upstream/cluster/status.hpp"

namespace strata::upstream::health {

class HealthChecker : public std::enable_shared_from_this<HealthChecker> {
 public:
  HealthChecker(boost::asio::any_io_executor ex, std::shared_ptr<cluster::Cluster> cluster,
                std::shared_ptr<cluster::ClusterStatus> status,
                std::shared_ptr<boost::asio::ssl::context> tls, std::uint64_t seed);
  void start();
  void stop();
  std::uint64_t checks() const { return checks_; }  // completed checks (tests)

  // One check against one endpoint: true when it passed (exposed for tests).
  boost::asio::awaitable<bool> check_once(const cluster::Endpoint& ep, std::string* why);

 private:
  boost::asio::awaitable<void> loop(std::shared_ptr<cluster::Endpoint> ep,
                                    std::shared_ptr<cluster::EndpointStatus> st);

  boost::asio::any_io_executor ex_;
  std::shared_ptr<cluster::Cluster> cluster_;
  std::shared_ptr<cluster::ClusterStatus> status_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  config::HealthCheck cfg_;
  std::mt19937_64 rng_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
  std::vector<std::weak_ptr<boost::asio::steady_timer>> timers_;
  std::uint64_t checks_ = 0;
};

// Parses "HTTP/1.x NNN ..." at the start of `head`; 0 when malformed.
int parse_status_line(std::string_view head);
// True when `status` passes the check (expect list, or 2xx/3xx when empty).
bool status_expected(const config::HealthCheck& hc, int status);

}  // namespace strata::upstream::health

// The upstream side of one worker: clusters (endpoints, DNS refresh, load
// balancers) and connection pools. Created once per worker and kept across
// reloads so pooled connections survive; apply() reconciles it with a new
// configuration generation. Used only on its worker's thread.
#pragma once
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace strata::upstream {

class Upstreams {
 public:
  virtual ~Upstreams() = default;
  static std::shared_ptr<Upstreams> create(boost::asio::any_io_executor ex, unsigned worker_id);

  // Reconcile clusters and pools with `cfg` (new clusters created, removed
  // ones closed when idle, changed endpoints re-resolved).
  virtual void apply(std::shared_ptr<const config::Config> cfg) = 0;

  // Forward the exchange to `action.cluster` and stream the response back:
  // picks an endpoint with the cluster's LB policy, borrows a pooled
  // connection, adds forwarding headers (X-Forwarded-For/-Proto, X-Real-IP,
  // Via, traceparent, X-Request-Id), enforces timeouts. Always finishes the
  // exchange (502 connect failure, 504 timeout, 503 no endpoint).
  virtual boost::asio::awaitable<void> proxy(http::Exchange& ex, const config::ProxyAction& action,
                                             std::string_view matched_prefix) = 0;

  // Stop DNS refreshes and close idle pooled connections (shutdown).
  virtual void stop() = 0;
};

}  // namespace strata::upstream

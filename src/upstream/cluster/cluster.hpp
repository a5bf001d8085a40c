// One upstream cluster on one worker: its endpoints (IP literals or DNS
// names, re-resolved every dns_refresh; a failed re-resolve keeps the old
// addresses), per-endpoint active request counts and the LB policy.
// Used only on its worker's executor; stop() ends DNS refreshes.
#pragma once
#include <cstdint>

#include "core/loop_clock.hpp"
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <optional>
#include <span>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/fast_rng.hpp"
#include "upstream/cluster/status.hpp"
#include "upstream/lb/ewma.hpp"
#include "upstream/lb/policy.hpp"
#include "upstream/resilience/outlier_detector.hpp"

namespace strata::obs {
class Counter;
}

namespace strata::upstream::cluster {

struct Endpoint {
  std::string host;          // as configured
  std::uint16_t port = 0;
  std::uint32_t weight = 1;
  std::string key;           // "host:port" ("[v6]:port"); pool and ring identity
  bool dns = false;          // host is a name that needs resolving
  std::vector<boost::asio::ip::tcp::endpoint> addrs;  // empty until resolved
  std::uint32_t active = 0;  // requests in flight through this endpoint
  std::uint32_t priority = 0;
  std::size_t index = 0;     // position in the config's endpoint list
  lb::Ewma latency;          // response-time EWMA (lb: ewma)
  bool marked_ejected = false;  // this worker counts it in status->ejected_by
  std::shared_ptr<EndpointStatus> status;  // process-wide health/ejection view
};

class Cluster : public std::enable_shared_from_this<Cluster> {
 public:
  // `clock` drives outlier ejection and latency decay (tests inject one).
  Cluster(boost::asio::any_io_executor ex, config::Cluster cfg, std::uint64_t seed,
          const core::Clock& clock = core::LoopClock::instance());
  // Starts resolving DNS names (immediately, then every dns_refresh).
  void start();
  // Stops DNS refreshes; endpoints keep their last addresses.
  void stop();

  const config::Cluster& config() const { return cfg_; }
  const std::vector<std::shared_ptr<Endpoint>>& endpoints() const { return endpoints_; }
  // Picks an endpoint that has addresses; null when none is usable.
  // `hash` is the request key hash (ring_hash). Priority-aware: the level
  // is drawn from resilience::priority_load over each level's available
  // endpoints (addresses, active health, not ejected, `admit`), then the LB
  // policy picks within it. Endpoints in `exclude` (earlier tries) are
  // avoided while any other is available. When nothing is available at all
  // (panic), any endpoint with an address that `admit` accepts is used.
  // The endpoint lives as long as the cluster (endpoints are made once, by
  // the constructor): a caller holding the cluster may keep the pointer.
  using Admit = std::function<bool(const Endpoint&)>;
  Endpoint* pick(std::uint64_t hash, std::span<const Endpoint* const> exclude = {},
                 const Admit& admit = nullptr);
  // Passive feedback after a try: `error` = 5xx/gateway error/connect
  // failure (outlier detection); `seconds` = response time (EWMA), < 0 = none.
  // Returns true when this result ejected the endpoint.
  bool record(Endpoint& ep, bool error, double seconds);
  // How a try's connect ended (`failed`: refused, unreachable, timed out;
  // nothing was sent). skip_after failures in a row set the endpoint aside
  // for skip_for (connect_failure). Returns true when this started a skip.
  bool record_connect(Endpoint& ep, bool failed);
  bool available(const Endpoint& ep);
  const std::shared_ptr<ClusterStatus>& status() const { return status_; }
  // Number of DNS resolution rounds completed (for tests and diagnostics).
  std::uint64_t dns_rounds() const { return dns_rounds_; }

 private:
  boost::asio::awaitable<void> resolve_loop();
  void rebuild();

  struct Level {
    std::uint32_t priority = 0;
    std::vector<std::shared_ptr<Endpoint>> live;  // endpoints with addresses, LB order
    std::vector<lb::Host> hosts;                  // parallel to live
    std::unique_ptr<lb::Policy> policy;
  };
  Endpoint* pick_in(Level& lv, std::uint64_t hash, std::span<const Endpoint* const> exclude,
                    const Admit& admit, bool allow_excluded, bool panic);
  bool ejected(Endpoint& ep);

  boost::asio::any_io_executor ex_;
  config::Cluster cfg_;
  const core::Clock& clock_;
  std::uint64_t seed_;
  core::FastRng rng_;
  std::vector<std::shared_ptr<Endpoint>> endpoints_;
  std::vector<Level> levels_;                    // by ascending priority
  std::shared_ptr<ClusterStatus> status_;
  std::optional<resilience::OutlierDetector> outlier_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::uint64_t dns_rounds_ = 0;
  obs::Counter* dns_errors_;
};

// "host:port", with brackets around IPv6 literals.
std::string endpoint_key(std::string_view host, std::uint16_t port);

}  // namespace strata::upstream::cluster

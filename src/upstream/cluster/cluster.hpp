// One upstream cluster on one worker: its endpoints (IP literals or DNS
// names, re-resolved every dns_refresh; a failed re-resolve keeps the old
// addresses), per-endpoint active request counts and the LB policy.
// Used only on its worker's executor; stop() ends DNS refreshes.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/config.hpp"
#include "upstream/lb/policy.hpp"

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
};

class Cluster : public std::enable_shared_from_this<Cluster> {
 public:
  Cluster(boost::asio::any_io_executor ex, config::Cluster cfg, std::uint64_t seed);
  // Starts resolving DNS names (immediately, then every dns_refresh).
  void start();
  // Stops DNS refreshes; endpoints keep their last addresses.
  void stop();

  const config::Cluster& config() const { return cfg_; }
  const std::vector<std::shared_ptr<Endpoint>>& endpoints() const { return endpoints_; }
  // Picks an endpoint that has addresses; null when none is usable.
  // `hash` is the request key hash (ring_hash).
  std::shared_ptr<Endpoint> pick(std::uint64_t hash);
  // Number of DNS resolution rounds completed (for tests and diagnostics).
  std::uint64_t dns_rounds() const { return dns_rounds_; }

 private:
  boost::asio::awaitable<void> resolve_loop();
  void rebuild();

  boost::asio::any_io_executor ex_;
  config::Cluster cfg_;
  std::vector<std::shared_ptr<Endpoint>> endpoints_;
  std::vector<std::shared_ptr<Endpoint>> live_;  // endpoints with addresses, LB order
  std::vector<lb::Host> hosts_;                  // parallel to live_
  std::unique_ptr<lb::Policy> policy_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::uint64_t dns_rounds_ = 0;
  obs::Counter* dns_errors_;
};

// "host:port", with brackets around IPv6 literals.
std::string endpoint_key(std::string_view host, std::uint16_t port);

}  // namespace strata::upstream::cluster

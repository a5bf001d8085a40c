#include "upstream/cluster/cluster.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "obs/metrics.hpp"

namespace strata::upstream::cluster {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string endpoint_key(std::string_view host, std::uint16_t port) {
  std::string k;
  if (host.find(':') != std::string_view::npos) {
    k = "[";
    k += host;
    k += "]";
  } else {
    k = host;
  }
  k += ':';
  k += std::to_string(port);
  return k;
}

Cluster::Cluster(asio::any_io_executor ex, config::Cluster cfg, std::uint64_t seed)
    : ex_(ex),
      cfg_(std::move(cfg)),
      policy_(lb::make_policy(cfg_.lb, cfg_.ring_size, seed)),
      timer_(ex),
      dns_errors_(&obs::counter("strata_upstream_dns_errors_total",
                                "Failed DNS resolutions of upstream endpoint names",
                                {{"cluster", cfg_.name}})) {
  for (const auto& e : cfg_.endpoints) {
    auto ep = std::make_shared<Endpoint>();
    ep->host = e.host;
    ep->port = e.port;
    ep->weight = e.weight == 0 ? 1 : e.weight;
    ep->key = endpoint_key(e.host, e.port);
    boost::system::error_code ec;
    const auto addr = asio::ip::make_address(e.host, ec);
    if (!ec) {
      ep->addrs.emplace_back(addr, e.port);
    } else {
      ep->dns = true;
    }
    endpoints_.push_back(std::move(ep));
  }
  rebuild();
}

void Cluster::start() {
  bool any_dns = false;
  for (const auto& e : endpoints_) any_dns |= e->dns;
  if (!any_dns || stopped_) return;
  asio::co_spawn(ex_, [self = shared_from_this()] { return self->resolve_loop(); },
                 asio::detached);
}

void Cluster::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> Cluster::resolve_loop() {
  tcp::resolver resolver(ex_);
  while (!stopped_) {
    bool changed = false;
    for (const auto& ep : endpoints_) {
      if (!ep->dns) continue;
      auto [ec, results] = co_await resolver.async_resolve(
          ep->host, std::to_string(ep->port), asio::as_tuple(asio::use_awaitable));
      if (stopped_) co_return;
      if (ec || results.empty()) {
        dns_errors_->inc();  // keep the previous addresses
        continue;
      }
      std::vector<tcp::endpoint> addrs;
      for (const auto& r : results) addrs.push_back(r.endpoint());
      if (addrs != ep->addrs) {
        ep->addrs = std::move(addrs);
        changed = true;
      }
    }
    ++dns_rounds_;
    if (changed) rebuild();
    timer_.expires_after(cfg_.dns_refresh);
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled by stop(): the loop condition ends it
  }
}

void Cluster::rebuild() {
  live_.clear();
  hosts_.clear();
  for (const auto& ep : endpoints_) {
    if (ep->addrs.empty()) continue;
    live_.push_back(ep);
    hosts_.push_back(lb::Host{ep->key, ep->weight, ep->active});
  }
  policy_->update(hosts_);
}

std::shared_ptr<Endpoint> Cluster::pick(std::uint64_t hash) {
  if (live_.empty()) return nullptr;
  for (std::size_t i = 0; i < live_.size(); ++i) hosts_[i].active = live_[i]->active;
  const auto idx = policy_->pick(hosts_, hash);
  if (!idx) return nullptr;
  return live_[*idx];
}

}  // namespace strata::upstream::cluster

#include "security/connection_limiter.hpp"

#include <map>
#include <string_view>

#include "obs/metrics.hpp"

namespace strata::security {

std::size_t ConnectionLimiter::Hash::operator()(const IpAddr& a) const {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(a.b.data()), a.b.size())) ^ a.v6;
}

ConnectionLimiter::ConnectionLimiter(const std::string& listener)
    : refused_(&obs::counter("strata_limit_connections_refused_total",
                             "Connections closed at accept: the client prefix had "
                             "security.connections.max_per_prefix open",
                             {{"listener", listener}})),
      untracked_(&obs::counter("strata_limit_connections_untracked_total",
                               "Connections admitted without a per-prefix count because "
                               "max_tracked prefixes were open",
                               {{"listener", listener}})),
      tracked_(&obs::gauge("strata_limit_connections_tracked",
                           "Client prefixes with open connections tracked for the per-prefix "
                           "connection limit",
                           {{"listener", listener}})) {}

ConnectionLimiter::Ticket& ConnectionLimiter::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    if (l_) l_->release(key_);
    l_ = std::move(o.l_);
    key_ = o.key_;
  }
  return *this;
}

ConnectionLimiter::Ticket::~Ticket() {
  if (l_) l_->release(key_);
}

ConnectionLimiter::Verdict ConnectionLimiter::acquire(const IpAddr& client,
                                                      const config::ConnectionLimit& cfg,
                                                      Ticket& out) {
  if (cfg.max_per_prefix == 0) return Verdict::admitted;
  const IpAddr key = mask(client, cfg.ipv4_prefix, cfg.ipv6_prefix);
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(key);
    if (it == open_.end()) {
      if (open_.size() >= cfg.max_tracked) {
        untracked_->inc();
        return Verdict::untracked;
      }
      it = open_.emplace(key, 0).first;
      tracked_->set(std::int64_t(open_.size()));
    } else if (it->second >= cfg.max_per_prefix) {
      refused_->inc();
      return Verdict::refused;
    }
    ++it->second;
  }
  out = Ticket(shared_from_this(), key);
  return Verdict::admitted;
}

void ConnectionLimiter::release(const IpAddr& key) {
  std::lock_guard lock(mu_);
  auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second == 0) {
    open_.erase(it);
    tracked_->set(std::int64_t(open_.size()));
  }
}

std::size_t ConnectionLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

std::uint32_t ConnectionLimiter::open(const IpAddr& prefix) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(prefix);
  return it == open_.end() ? 0 : it->second;
}

std::shared_ptr<ConnectionLimiter> ConnectionLimiter::for_listener(const std::string& listener) {
  static std::mutex mu;
  static auto* all = new std::map<std::string, std::shared_ptr<ConnectionLimiter>>();  // never destroyed
  std::lock_guard lock(mu);
  auto& p = (*all)[listener];
  if (!p) p = std::make_shared<ConnectionLimiter>(listener);
  return p;
}

}  // namespace strata::security

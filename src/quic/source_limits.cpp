#include "quic/source_limits.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace strata::quic {

namespace {

std::string v4_key(const std::uint8_t* addr4, unsigned prefix) {
  prefix = std::min(prefix, 32u);
  std::uint32_t a = (std::uint32_t{addr4[0]} << 24) | (std::uint32_t{addr4[1]} << 16) |
                    (std::uint32_t{addr4[2]} << 8) | std::uint32_t{addr4[3]};
  a &= prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  in_addr in{};
  in.s_addr = htonl(a);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &in, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

std::string v6_key(const in6_addr& addr, unsigned prefix) {
  prefix = std::min(prefix, 128u);
  in6_addr m{};
  std::memcpy(m.s6_addr, addr.s6_addr, 16);
  for (unsigned i = 0; i < 16; ++i) {
    const unsigned bit = i * 8;
    if (bit >= prefix) {
      m.s6_addr[i] = 0;
    } else if (prefix - bit < 8) {
      m.s6_addr[i] &= static_cast<std::uint8_t>(0xff << (8 - (prefix - bit)));
    }
  }
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &m, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

}  // namespace

std::string SourceLimits::prefix_key(const sockaddr* sa, std::uint8_t v4_prefix,
                                     std::uint8_t v6_prefix) {
  if (sa == nullptr) return "other";
  if (sa->sa_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, sa, sizeof in);
    std::uint8_t b[4];
    std::memcpy(b, &in.sin_addr, 4);
    return v4_key(b, v4_prefix);
  }
  if (sa->sa_family == AF_INET6) {
    sockaddr_in6 in;
    std::memcpy(&in, sa, sizeof in);
    if (IN6_IS_ADDR_V4MAPPED(&in.sin6_addr)) return v4_key(in.sin6_addr.s6_addr + 12, v4_prefix);
    return v6_key(in.sin6_addr, v6_prefix);
  }
  return "other";
}

SourceLimits::SourceLimits(SourceLimitsConfig cfg, const core::Clock& clock)
    : cfg_(cfg), clock_(clock) {}

double SourceLimits::capacity() const {
  return static_cast<double>(std::max<std::uint32_t>(cfg_.handshake_burst, 1));
}

void SourceLimits::refill(Bucket& b, core::Clock::time_point now) const {
  if (cfg_.handshakes_per_second <= 0) {
    b.tokens = capacity();
  } else if (now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(capacity(), b.tokens + elapsed * cfg_.handshakes_per_second);
  }
  if (now > b.last) b.last = now;
}

void SourceLimits::touch_idle(Bucket& b) {
  if (b.idle) idle_.splice(idle_.end(), idle_, b.idle_it);
}

bool SourceLimits::evict_one() {
  if (idle_.empty()) return false;
  const auto it = buckets_.find(*idle_.front());
  idle_.pop_front();
  if (it != buckets_.end()) buckets_.erase(it);
  return true;
}

SourceLimits::Verdict SourceLimits::admit(const sockaddr* sa) {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);  // cfg_ too is guarded by mu_
  std::string key = prefix_key(sa, cfg_.ipv4_prefix, cfg_.ipv6_prefix);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (cfg_.max_tracked_sources == 0) return Verdict::tracked_full;
    while (buckets_.size() >= cfg_.max_tracked_sources) {
      if (!evict_one()) return Verdict::tracked_full;
    }
    it = buckets_.emplace(std::move(key), Bucket{}).first;
    Bucket& nb = it->second;
    nb.tokens = capacity();
    nb.last = now;
    nb.idle = true;
    nb.idle_it = idle_.insert(idle_.end(), &it->first);
  }
  Bucket& b = it->second;
  refill(b, now);
  if (cfg_.max_connections_per_source != 0 && b.conns >= cfg_.max_connections_per_source) {
    touch_idle(b);
    return Verdict::too_many_connections;
  }
  if (cfg_.handshakes_per_second > 0) {
    if (b.tokens < 1.0) {
      touch_idle(b);
      return Verdict::handshake_rate;
    }
    b.tokens -= 1.0;
  }
  if (b.idle) {
    idle_.erase(b.idle_it);
    b.idle = false;
  }
  ++b.conns;
  return Verdict::ok;
}

void SourceLimits::closed(const sockaddr* sa) {
  std::lock_guard lock(mu_);
  const std::string key = prefix_key(sa, cfg_.ipv4_prefix, cfg_.ipv6_prefix);
  const auto it = buckets_.find(key);
  if (it == buckets_.end() || it->second.conns == 0) return;
  Bucket& b = it->second;
  if (--b.conns == 0) {
    b.idle = true;
    b.idle_it = idle_.insert(idle_.end(), &it->first);
  }
}

void SourceLimits::reconfigure(SourceLimitsConfig cfg) {
  std::lock_guard lock(mu_);
  const bool rekey = cfg.ipv4_prefix != cfg_.ipv4_prefix || cfg.ipv6_prefix != cfg_.ipv6_prefix;
  cfg_ = cfg;
  if (rekey) {
    idle_.clear();
    buckets_.clear();
    return;
  }
  for (auto& [k, b] : buckets_) b.tokens = std::min(b.tokens, capacity());
  while (buckets_.size() > cfg_.max_tracked_sources && evict_one()) {
  }
}

std::size_t SourceLimits::tracked() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

std::uint32_t SourceLimits::connections(const sockaddr* sa) const {
  std::lock_guard lock(mu_);
  const auto it = buckets_.find(prefix_key(sa, cfg_.ipv4_prefix, cfg_.ipv6_prefix));
  return it == buckets_.end() ? 0 : it->second.conns;
}

}  // namespace strata::quic

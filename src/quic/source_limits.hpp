// Per-source abuse limits for new QUIC connections: a cap on open
// connections and a token bucket of handshakes per source prefix.
//
// Sources are aggregated by prefix (default /24 for IPv4, /64 for IPv6;
// IPv4-mapped IPv6 addresses count as IPv4), because one client (or one
// attacker) commonly holds a whole prefix. At most max_tracked_sources
// prefixes are tracked; to track a new one when full, the least recently used
// idle prefix (no open connections) is forgotten, and when no prefix is idle
// admit() answers tracked_full: the caller rejects the connection (fails
// closed). Forgetting an idle prefix only resets its bucket to a full burst,
// which a fresh prefix would get anyway.
//
// Thread: process-wide and thread-safe behind one mutex; it is consulted once
// per new connection (admit) and once per ended connection (closed), never
// per packet. Time comes from the injected core::Clock.
#pragma once
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace strata::quic {

struct SourceLimitsConfig {
  std::uint32_t max_connections_per_source = 256;  ///< open connections per prefix; 0 = unlimited
  std::uint8_t ipv4_prefix = 24;                   ///< IPv4 aggregation (clamped to 32)
  std::uint8_t ipv6_prefix = 64;                   ///< IPv6 aggregation (clamped to 128)
  double handshakes_per_second = 100;              ///< per prefix refill rate; 0 = unlimited
  std::uint32_t handshake_burst = 200;             ///< bucket capacity (at least 1)
  std::size_t max_tracked_sources = 65536;         ///< tracked prefixes; 0 rejects every admit
};

class SourceLimits {
 public:
  /// The clock must outlive this object.
  SourceLimits(SourceLimitsConfig cfg, const core::Clock& clock);

  enum class Verdict { ok, too_many_connections, handshake_rate, tracked_full };

  /// A new connection from `sa`. Checks, in order: tracking room, the
  /// connection cap, the handshake bucket. On ok, spends one handshake token
  /// and counts one open connection; the caller must call closed(sa) exactly
  /// once when that connection ends. Other verdicts change no counts.
  Verdict admit(const sockaddr* sa);

  /// The connection admitted for `sa` ended. Unknown prefixes (e.g. after a
  /// prefix-length reload) are ignored; counts never go below zero.
  void closed(const sockaddr* sa);

  /// Reload. New caps/rates apply at once (tokens are clamped to the new
  /// burst; excess idle prefixes are forgotten). If a prefix length changes,
  /// every prefix is forgotten (keys change shape): connections open before
  /// the reload are no longer counted, so the cap is loose until they turn over.
  void reconfigure(SourceLimitsConfig cfg);

  /// Number of tracked prefixes.
  std::size_t tracked() const;
  /// Open connections counted for the prefix of `sa`.
  std::uint32_t connections(const sockaddr* sa) const;

  /// "10.1.2.0/24", "2001:db8::/64"; IPv4-mapped IPv6 gives the IPv4 form;
  /// prefixes are clamped to 32/128; non-IP families (or null) give "other".
  /// `sa` must be large enough for its sa_family.
  static std::string prefix_key(const sockaddr* sa, std::uint8_t v4_prefix,
                                std::uint8_t v6_prefix);

 private:
  struct Bucket {
    std::uint32_t conns = 0;
    double tokens = 0;
    core::Clock::time_point last{};
    bool idle = true;                                // conns == 0, in idle_
    std::list<const std::string*>::iterator idle_it;  // valid when idle
  };
  double capacity() const;
  void refill(Bucket& b, core::Clock::time_point now) const;
  void touch_idle(Bucket& b);
  bool evict_one();

  SourceLimitsConfig cfg_;
  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<const std::string*> idle_;  // keys of idle buckets, least recently used first
};

}  // namespace strata::quic

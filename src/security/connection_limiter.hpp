// Open TCP connections per client prefix (config::ConnectionLimit),
// counted for the whole process: one limiter per listener name, shared by
// every worker (thread-safe, one mutex; an accept takes it once and the
// connection's end once). A prefix is tracked while it has an open
// connection; idle prefixes are forgotten at once, so the table holds at
// most `max_tracked` prefixes that all have connections. When it is full a
// connection from a new prefix is admitted untracked (counted in
// strata_limit_connections_untracked_total): the cap never refuses a
// prefix that is under it.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "config/security.hpp"
#include "security/ip.hpp"

namespace strata::obs {
class Counter;
class Gauge;
}  // namespace strata::obs

namespace strata::security {

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  // `listener` labels the metrics (strata_limit_connections_refused_total,
  // strata_limit_connections_tracked, ..._untracked_total).
  explicit ConnectionLimiter(const std::string& listener);

  // Holds one connection of a prefix until destroyed (any thread).
  class Ticket {
   public:
    Ticket() = default;
    Ticket(std::shared_ptr<ConnectionLimiter> l, const IpAddr& key) : l_(std::move(l)), key_(key) {}
    Ticket(Ticket&& o) noexcept : l_(std::move(o.l_)), key_(o.key_) {}
    Ticket& operator=(Ticket&& o) noexcept;
    ~Ticket();
   private:
    std::shared_ptr<ConnectionLimiter> l_;
    IpAddr key_;
  };

  enum class Verdict : std::uint8_t { admitted, untracked, refused };
  // Counts a new connection from `client` under `cfg` (max_per_prefix 0:
  // admitted, nothing tracked). On `admitted` the ticket holds the slot.
  Verdict acquire(const IpAddr& client, const config::ConnectionLimit& cfg, Ticket& out);

  std::size_t tracked() const;
  std::uint32_t open(const IpAddr& prefix) const;  // open connections of a masked prefix (tests)

  // The process-wide limiter of a listener (created on first use, kept).
  static std::shared_ptr<ConnectionLimiter> for_listener(const std::string& listener);

 private:
  void release(const IpAddr& key);
  struct Hash {
    std::size_t operator()(const IpAddr& a) const;
  };
  mutable std::mutex mu_;
  std::unordered_map<IpAddr, std::uint32_t, Hash> open_;
  obs::Counter* refused_ = nullptr;
  obs::Counter* untracked_ = nullptr;
  obs::Gauge* tracked_ = nullptr;
};

}  // namespace strata::security

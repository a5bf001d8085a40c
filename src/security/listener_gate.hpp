// A listener's connection-time security (config::ListenerSecurity), checked
// by conn/accept.cpp before TLS: the PROXY protocol setting, the allow/deny
// list and the per-prefix connection limit. Built once per configuration
// generation and worker (conn::Snapshot::gate); the connection counts are
// process-wide (ConnectionLimiter::for_listener). Immutable; any thread.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "security/connection_limiter.hpp"
#include "security/ip_access.hpp"
#include "security/proxy_protocol.hpp"

namespace strata::security {

class ListenerGate {
 public:
  explicit ListenerGate(const config::Listener& l);

  bool proxy_protocol() const { return proxy_; }
  ProxyVersions proxy_versions() const { return versions_; }
  std::chrono::milliseconds proxy_timeout() const { return proxy_timeout_; }

  enum class Verdict : std::uint8_t { ok, denied, limited };
  // The client of a new connection (the socket peer, or the PROXY header's
  // source): the allow/deny list, then the connection limit (the ticket
  // holds the slot for the life of the connection). Refusals are counted
  // (strata_security_access_denied_total{where="listener"},
  // strata_limit_connections_refused_total{listener}).
  Verdict admit(std::string_view client_ip, ConnectionLimiter::Ticket& ticket) const;

  // The allow/deny list alone (counted like admit's): for HTTP/3, whose
  // connections are checked when the QUIC handshake is done.
  bool access_allowed(std::string_view client_ip) const;

  // Counts a connection closed for its PROXY header:
  // strata_security_proxy_protocol_errors_total{listener, reason}.
  void proxy_error(std::string_view reason) const;

 private:
  std::string listener_;
  bool proxy_ = false;
  ProxyVersions versions_ = ProxyVersions::any;
  std::chrono::milliseconds proxy_timeout_{5000};
  IpAccessList access_;
  config::ConnectionLimit limit_;
  std::shared_ptr<ConnectionLimiter> limiter_;  // null: no connection limit
};

// Null when the listener has no connection-time security configured.
std::shared_ptr<const ListenerGate> make_listener_gate(const config::Listener& l);

}  // namespace strata::security

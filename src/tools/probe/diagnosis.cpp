#include "tools/probe/diagnosis.hpp"

#include <fmt/format.h>

namespace strata::tools::probe {

std::vector<Finding> diagnose(const PhaseTimes& t, const Thresholds& th) {
  std::vector<Finding> out;
  if (t.dns_ms > th.slow_dns_ms)
    out.push_back({"slow_dns", "network",
                   fmt::format("DNS lookup took {:.1f} ms (> {:.0f} ms): resolver or DNS issue",
                               t.dns_ms, th.slow_dns_ms)});
  if (t.connect_ms > th.slow_connect_ms)
    out.push_back({"slow_connect", "network",
                   fmt::format("TCP connect took {:.1f} ms (> {:.0f} ms): distance, loss or a "
                               "congested path/SYN queue",
                               t.connect_ms, th.slow_connect_ms)});
  if (t.tls_ms > th.slow_tls_ms)
    out.push_back({"slow_tls", "network",
                   fmt::format("TLS handshake took {:.1f} ms (> {:.0f} ms): RTTs, chain size, "
                               "OCSP or server CPU",
                               t.tls_ms, th.slow_tls_ms)});
  if (t.status == 0) {
    out.push_back({"no_response", "application", "no response was received"});
    return out;
  }
  // The request needs one RTT to reach the server and the first byte back;
  // the TCP connect time (QUIC: the measured RTT) is our RTT estimate.
  // Whatever is left is the server.
  const bool quic = t.rtt_ms >= 0;
  const double rtt = quic ? t.rtt_ms : t.connect_ms;
  const double server = t.wait_ms - rtt;
  if (rtt <= th.slow_connect_ms && server > th.server_processing_ms)
    out.push_back({"server_processing", "application",
                   fmt::format("{} is fast ({:.1f} ms) but the first byte came {:.1f} ms "
                               "after the request: ~{:.1f} ms of server processing "
                               "(> {:.0f} ms)",
                               quic ? "the QUIC RTT" : "connect", rtt, t.wait_ms, server,
                               th.server_processing_ms)});
  if (t.transfer_ms > th.slow_transfer_ms)
    out.push_back({"slow_transfer", "network",
                   fmt::format("response transfer took {:.1f} ms (> {:.0f} ms): large body, "
                               "bandwidth or a slowly streaming server",
                               t.transfer_ms, th.slow_transfer_ms)});
  if (t.status >= 500)
    out.push_back({"server_error", "application",
                   fmt::format("server answered {} (5xx)", t.status)});
  if (out.empty()) out.push_back({"ok", "none", "no phase is over its threshold"});
  return out;
}

}  // namespace strata::tools::probe

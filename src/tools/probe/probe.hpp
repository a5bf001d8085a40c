// `strata probe URL`: one request (or -n) over h1/h2 with per-phase timing
// (DNS, TCP connect, TLS handshake, wait for the first byte, transfer), TLS
// and certificate details, SCTs, Alt-Svc, a terminal waterfall and a
// diagnosis (diagnosis.hpp). Blocking I/O on the calling thread: a probe is
// one sequential request, and blocking calls time the phases exactly.
// HTTP/3 (--h3) is the other attempt implementation, probe_h3(): QUIC has
// no TCP connect phase (shown as "-"); its handshake takes the TLS slot.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tools/probe/diagnosis.hpp"

namespace strata::tools::probe {

enum class Proto { automatic, h1, h2, h3 };

struct ProbeOptions {
  std::string url;
  unsigned count = 1;                 // -n
  Proto protocol = Proto::automatic;  // --h1 / --h2 (h2c prior knowledge on http) / --h3
  std::vector<std::string> headers;   // -H
  double timeout_s = 10;
  bool json = false;
  Thresholds thresholds;
};

struct CertInfo {
  std::string subject, issuer, not_after;
  std::vector<std::string> sans;
};

// One attempt. Offsets are milliseconds since the attempt started (curl's
// time_namelookup / time_connect / time_appconnect / time_starttransfer /
// time_total are dns_done / connect_done / tls_done / first_byte / done).
struct Attempt {
  std::vector<std::pair<std::string, std::string>> answers;  // ("A"/"AAAA", address)
  std::string remote;           // address actually connected
  double dns_done = 0, connect_done = 0, tls_done = 0, request_sent = 0, first_byte = 0,
         done = 0;
  std::string protocol;         // "h1" / "h2" / "h3"
  // HTTP/3: no TCP connect (connect_done == dns_done); tls_done is the end
  // of the QUIC handshake; 0-RTT when a ticket from an earlier attempt let
  // the request leave with the first flight.
  bool quic = false;
  bool early_data = false, early_data_accepted = false;
  double rtt_ms = -1;           // QUIC: the connection's min RTT
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::string alt_svc;
  // TLS (empty without)
  std::string tls_version, cipher, alpn, verify;
  bool resumed = false;
  std::vector<CertInfo> chain;
  std::vector<std::string> sct_log_ids;  // hex
  std::string error;            // non-empty when the attempt failed
  std::string failed_phase;     // dns | connect | tls | request | response

  PhaseTimes phases() const;
};

// Runs the probe, prints the report to stdout; returns an exit code (0 ok,
// 1 usage error, 2 when no attempt got a response).
int run_probe(const ProbeOptions& opt);

}  // namespace strata::tools::probe

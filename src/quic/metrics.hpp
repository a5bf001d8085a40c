// strata_quic_* metrics, looked up once (see obs/metrics.hpp).
#pragma once
#include "obs/metrics.hpp"

namespace strata::quic {

struct Metrics {
  obs::Counter& handshakes_1rtt = obs::counter("strata_quic_handshakes_total", "QUIC handshakes by outcome and mode", {{"outcome", "ok"}, {"mode", "1rtt"}});
  obs::Counter& handshakes_resumed = obs::counter("strata_quic_handshakes_total", "QUIC handshakes by outcome and mode", {{"outcome", "ok"}, {"mode", "resumed"}});
  obs::Counter& handshakes_0rtt = obs::counter("strata_quic_handshakes_total", "QUIC handshakes by outcome and mode", {{"outcome", "ok"}, {"mode", "0rtt"}});
  obs::Counter& handshakes_failed = obs::counter("strata_quic_handshakes_total", "QUIC handshakes by outcome and mode", {{"outcome", "failed"}, {"mode", "-"}});
  obs::Counter& handshakes_timeout = obs::counter("strata_quic_handshakes_total", "QUIC handshakes by outcome and mode", {{"outcome", "timeout"}, {"mode", "-"}});
  obs::Counter& early_accepted = obs::counter("strata_quic_early_data_total", "0-RTT early data decisions", {{"outcome", "accepted"}});
  obs::Counter& early_replayed = obs::counter("strata_quic_early_data_total", "0-RTT early data decisions", {{"outcome", "replayed_request"}});
  obs::Counter& retry_sent = obs::counter("strata_quic_retry_sent_total", "Retry packets sent (address validation)");
  obs::Counter& tokens_rejected = obs::counter("strata_quic_tokens_rejected_total", "Initial packets with an invalid or expired token");
  obs::Counter& migrations = obs::counter("strata_quic_migrations_total", "Validated moves of a connection to a new client address");
  obs::Counter& path_validation_ok = obs::counter("strata_quic_path_validations_total", "QUIC path validations", {{"result", "ok"}});
  obs::Counter& path_validation_failed = obs::counter("strata_quic_path_validations_total", "QUIC path validations", {{"result", "failed"}});
  obs::Counter& version_negotiation = obs::counter("strata_quic_version_negotiation_total", "Version Negotiation packets sent");
  obs::Counter& stateless_resets = obs::counter("strata_quic_stateless_resets_total", "Stateless resets sent for unknown connections");
  obs::Counter& forwarded = obs::counter("strata_quic_packets_forwarded_total", "Datagrams handed to the worker that owns their connection ID");
  obs::Counter& dropped = obs::counter("strata_quic_packets_dropped_total", "Datagrams dropped (undecodable, unknown, or refused)");
  obs::Counter& refused_source = obs::counter("strata_quic_source_limited_total", "New connections refused by per-source limits", {{"reason", "connections"}});
  obs::Counter& refused_rate = obs::counter("strata_quic_source_limited_total", "New connections refused by per-source limits", {{"reason", "handshake_rate"}});
  obs::Counter& refused_tracked = obs::counter("strata_quic_source_limited_total", "New connections refused by per-source limits", {{"reason", "tracked_full"}});
  obs::Counter& refused_draining = obs::counter("strata_quic_refused_total", "New connections refused while draining");
  obs::Counter& errors = obs::counter("strata_quic_connection_errors_total", "QUIC connections closed by a protocol or internal error");
  obs::Counter& loss_events = obs::counter("strata_quic_loss_events_total", "Congestion events (packet loss detected) on QUIC connections");
  obs::Counter& pto = obs::counter("strata_quic_pto_total", "Probe timeouts (retransmissions without an ACK)");
  obs::Counter& drain_unresponsive = obs::counter("strata_quic_drain_unresponsive_total", "Connections closed while draining after quic.drain_probe_timeouts probe timeouts without an ACK");
  obs::Gauge& connections = obs::gauge("strata_quic_connections", "Open QUIC connections");
  obs::Gauge& streams = obs::gauge("strata_quic_streams", "HTTP/3 request streams in progress");
  obs::Counter& requests = obs::counter("strata_http3_streams_total", "HTTP/3 request streams served");
  obs::Histogram& smoothed_rtt = obs::histogram("strata_quic_smoothed_rtt_seconds", "Smoothed RTT of QUIC connections at close");
  static Metrics& get() {
    static Metrics m;
    return m;
  }
};

}  // namespace strata::quic

// Metrics for what the HTTP/2 and HTTP/3 server sessions report through
// their SessionEvents (the codecs count nothing themselves). The drivers
// forward the events here; names and labels are the ones the codecs used:
//   strata_http2_abuse_total{kind}, strata_http2_goaway_sent_total{code},
//   strata_http2_protocol_errors_total, strata_http3_errors_total{kind}.
// Thread-safe (cached counters, relaxed increments).
#pragma once
#include <cstdint>

#include "codec/http2/server_session.hpp"
#include "codec/http3/server_session.hpp"

namespace strata::conn::codec_metrics {

void h2_abuse(codec::http2::Abuse a);
void h2_goaway_sent(std::uint32_t code);
void h2_protocol_error();
void h3_error(codec::http3::PeerError e);

}  // namespace strata::conn::codec_metrics

// One probe attempt over HTTP/3 (QUIC): DNS, QUIC handshake (no TCP
// connect), request, first byte, transfer. Runs its own io_context on the
// calling thread, bounded by the per-attempt timeout. Attempts sharing one
// ClientTls resume the TLS session and send the request as 0-RTT.
#pragma once
#include "tools/load/options.hpp"
#include "tools/probe/probe.hpp"

namespace strata::tools::quic_client {
class ClientTls;
}

namespace strata::tools::probe {

Attempt probe_h3(const ProbeOptions& opt, const load::Target& target, quic_client::ClientTls& tls);

}  // namespace strata::tools::probe

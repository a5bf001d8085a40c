// `strata ws-probe --h3`: a WebSocket over HTTP/3 (RFC 9220 extended
// CONNECT) echo check, used by the tunnel tests. One QUIC connection
// (certificate verification off unless asked); waits for the server's
// SETTINGS_ENABLE_CONNECT_PROTOCOL, sends `CONNECT :protocol websocket`,
// expects 200, then streams `bytes` as masked binary frames of
// `frame_bytes` each, reads the (unmasked) echo back and checks it byte for
// byte, and ends with a close handshake. Optionally a plain GET on the same
// connection while the echo is in flight. Prints one JSON line; returns 0
// only when everything matched before the timeout. Runs its own io_context
// on the calling thread.
#pragma once
#include <cstddef>
#include <string>

namespace strata::tools::ws_probe {

struct WsProbeOptions {
  std::string url;                    // https://host:port/path
  std::size_t bytes = 1 << 20;        // --bytes: payload echoed
  std::size_t frame_bytes = 16384;    // --frame: payload per WebSocket frame (>= 1)
  double timeout_s = 30;              // --timeout: whole run, s
  std::string get_path;               // --get: also GET this path on the same connection
  bool verify = false;                // --verify: check the certificate chain
};

// Runs the probe; prints the JSON report to stdout. Exit code: 0 ok, 1 failed.
int run_ws_probe_h3(const WsProbeOptions& opt);

}  // namespace strata::tools::ws_probe

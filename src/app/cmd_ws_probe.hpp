// `strata ws-probe` subcommand registration (hidden; see
// tools/ws_probe/ws_probe_h3.hpp): WebSocket over HTTP/3 echo check.
#pragma once

namespace CLI {
class App;
}

namespace strata::app {

// Adds the hidden `ws-probe` subcommand; it runs from its parse callback and
// exits non-zero (via CLI::RuntimeError) when the echo failed.
void add_ws_probe_command(CLI::App& app);

}  // namespace strata::app

#include "app/cmd_ws_probe.hpp"

#include <memory>

#include <CLI/CLI.hpp>

#include "tools/ws_probe/ws_probe_h3.hpp"

namespace strata::app {

void add_ws_probe_command(CLI::App& app) {
  auto opt = std::make_shared<tools::ws_probe::WsProbeOptions>();
  auto h3 = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("ws-probe", "WebSocket over HTTP/3 (RFC 9220) echo check");
  cmd->group("");  // hidden: a test tool
  cmd->add_option("url", opt->url, "https://host:port/path of a WebSocket echo")->required();
  cmd->add_flag("--h3", *h3, "HTTP/3 extended CONNECT (the only carrier so far)");
  cmd->add_option("--bytes", opt->bytes, "Payload bytes to echo")->capture_default_str();
  cmd->add_option("--frame", opt->frame_bytes, "Payload bytes per frame")->capture_default_str();
  cmd->add_option("--timeout", opt->timeout_s, "Whole-run timeout, s")->capture_default_str();
  cmd->add_option("--get", opt->get_path, "Also GET this path on the same connection");
  cmd->add_flag("--verify", opt->verify, "Verify the server certificate");
  cmd->callback([opt, h3] {  // h3 keeps the flag's storage alive
    const int rc = tools::ws_probe::run_ws_probe_h3(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace strata::app

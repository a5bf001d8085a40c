// The configuration `strata serve` runs when no file is given. It is plain
// YAML and goes through the same loader as any user file.
#include "config/loader.hpp"

namespace strata::config {

std::string_view embedded_default_yaml() {
  static constexpr std::string_view kYaml = R"yaml(# strata embedded default configuration
listeners:
  - name: https
    address: "[::]:8443"
    tls:
      self_signed: true
    protocols: [h1, h2, h3]
    routes: default
  - name: http
    address: "[::]:8080"
    routes: default

admin:
  address: "127.0.0.1:9901"

# The real-time hub (docs/hub.md): WebSocket and SSE clients at /hub,
# anonymous subscribers allowed in the default namespace. The publish API
# (hub_api) needs API keys, so it is not in this default.
hub:
  namespaces:
    - {name: "", history_size: 100, history_ttl: 5m, anonymous: true}

route_tables:
  default:
    - name: hub
      match:
        prefix: /hub
      hub: {}
    - name: welcome
      match:
        prefix: /
      # HSTS (sent on TLS responses only) and nosniff: docs/security.md,
      # "TLS hardening" (testssl.sh finds nothing medium or worse here).
      security: {hsts: true}
      response_headers: {add: {x-content-type-options: nosniff}}
      respond:
        status: 200
        content_type: text/html; charset=utf-8
        body: |
          <!doctype html>
          <html lang="en">
          <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>strata is running</title>
            <style>
              body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto;
                     padding: 0 1rem; line-height: 1.5; color: #1d2430; }
              h1 { font-weight: 600; }
              code { background: #eef1f5; padding: 0.1rem 0.3rem; border-radius: 4px; }
            </style>
          </head>
          <body>
            <h1>strata is running</h1>
            <p>This is the built-in welcome page. strata is serving it because no
            configuration file was given.</p>
            <p>To proxy or serve your own content, write a configuration
            (see <code>examples/</code> and <code>docs/config.md</code>) and start
            <code>strata serve -c strata.yaml</code>.
            Check a file first with <code>strata check -c strata.yaml</code>.</p>
            <p>Metrics and the admin API are on <code>http://127.0.0.1:9901/</code>.</p>
          </body>
          </html>
)yaml";
  return kYaml;
}

}  // namespace strata::config

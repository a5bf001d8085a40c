#include "app/proxy_config.hpp"

#include <fmt/format.h>

namespace strata::app {

std::string yaml_quote(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

namespace {
std::string listeners_yaml(const std::vector<std::string>& listen, const std::string& cert,
                           const std::string& key, const char* routes) {
  std::string y = "listeners:\n";
  int i = 0;
  for (const auto& l : listen) {
    y += fmt::format("  - name: {}\n    address: {}\n    routes: {}\n", yaml_quote("listener" + std::to_string(i++)),
                     yaml_quote(l), routes);
    if (!cert.empty()) {
      y += fmt::format("    tls:\n      certificates:\n        - cert: {}\n          key: {}\n", yaml_quote(cert),
                       yaml_quote(key));
      y += "    protocols: [h1, h2]\n";
    } else {
      y += "    protocols: [h1, h2c]\n";
    }
  }
  return y;
}
}  // namespace

std::string proxy_yaml(const ProxyArgs& a) {
  std::string y;
  if (a.workers) y += fmt::format("workers: {}\n", a.workers);
  y += listeners_yaml(a.listen, a.tls_cert, a.tls_key, "main");
  if (!a.admin.empty()) y += fmt::format("admin:\n  address: {}\n", yaml_quote(a.admin));
  y += "route_tables:\n  main:\n    - match: {prefix: \"/\"}\n      proxy: {cluster: upstream}\n";
  y += fmt::format("clusters:\n  upstream:\n    protocol: {}\n    lb: {}\n", a.upstream_protocol, a.lb);
  if (!a.hash_header.empty()) y += fmt::format("    hash_on: {{header: {}}}\n", yaml_quote(a.hash_header));
  y += "    endpoints:\n";
  for (const auto& t : a.to) y += fmt::format("      - {}\n", yaml_quote(t));
  if (a.access_log) y += "access_log:\n  enabled: true\n";
  return y;
}

std::string origin_yaml(const OriginArgs& a) {
  std::string y;
  if (a.workers) y += fmt::format("workers: {}\n", a.workers);
  y += listeners_yaml(a.listen, a.tls_cert, a.tls_key, "origin");
  if (!a.admin.empty()) y += fmt::format("admin:\n  address: {}\n", yaml_quote(a.admin));
  // The route table is a formality: origin listeners use the origin handler.
  y += "route_tables:\n  origin:\n    - match: {prefix: \"/\"}\n      respond: {status: 200, body: \"origin\"}\n";
  return y;
}

}  // namespace strata::app

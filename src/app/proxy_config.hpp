// `strata proxy` and `strata origin` build their configuration as YAML text
// and load it through the normal loader, so they get the same validation
// and defaults as a config file.
#pragma once
#include <string>
#include <vector>

namespace strata::app {

struct ProxyArgs {
  std::vector<std::string> listen;   // addresses
  std::vector<std::string> to;       // upstream host:port
  std::string tls_cert, tls_key;     // TLS listener when set
  std::string upstream_protocol = "h1";
  std::string lb = "round_robin";
  std::string hash_header;           // ring_hash key header
  std::string admin;                 // admin address, "" = none
  unsigned workers = 0;
  bool access_log = false;
};

std::string proxy_yaml(const ProxyArgs& a);

struct OriginArgs {
  std::vector<std::string> listen;
  std::string admin;                 // admin address, "" = none
  std::string tls_cert, tls_key;
  unsigned workers = 0;
};

std::string origin_yaml(const OriginArgs& a);

// YAML double-quoted scalar.
std::string yaml_quote(const std::string& s);

}  // namespace strata::app

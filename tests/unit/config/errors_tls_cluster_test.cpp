// TLS and cluster errors, with exact locations.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

using strata::config::ConfigError;
using strata::config::load_string;

namespace {

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

std::string listener_tls(const std::string& tls) {
  return "route_tables: {t: []}\nlisteners:\n  - address: 0.0.0.0:443\n    tls: " + tls + "\n";
}

std::string cluster(const std::string& body) {
  return "listeners: [{address: '0.0.0.0:80'}]\nroute_tables: {t: []}\nclusters:\n  c:\n" + body;
}

}  // namespace

TEST(ConfigErrors, Tls) {
  EXPECT_EQ(error_of(listener_tls("{}")), "t.yaml:4:10: tls: needs certificates or 'self_signed: true'");
  EXPECT_EQ(error_of(listener_tls("true")), "t.yaml:4:10: tls: expected a mapping, got a scalar");
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, min_version: '1.1'}")),
            "t.yaml:4:43: min_version: unknown value '1.1' (expected one of: 1.2, 1.3)");
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, min_version: '1.3', max_version: '1.2'}")),
            "t.yaml:4:63: max_version 1.2 is below min_version 1.3");
  EXPECT_EQ(error_of(listener_tls("{self_signed: true, ticket_key_rotation: 10ms}")),
            "t.yaml:4:51: ticket_key_rotation: must be at least 1s");
  EXPECT_EQ(error_of(listener_tls("{certificates: [{cert: /nonexistent/c.pem, key: /nonexistent/k.pem}]}")),
            "t.yaml:4:33: cert: '/nonexistent/c.pem' does not exist or is not a regular file");
  EXPECT_EQ(error_of(listener_tls("{certificates: [{key: /etc/passwd}]}")),
            "t.yaml:4:26: missing required key 'cert' in certificate");
  EXPECT_EQ(error_of(listener_tls("{certificates: [{cert: /etc/passwd, key: /etc/passwd, "
                                  "server_names: ['a..b']}], self_signed: false}")),
            "t.yaml:4:79: server_names: 'a..b' is not a host name (wildcards only as a leading '*.')");
  EXPECT_EQ(error_of(listener_tls("{certificates: [{cert: /etc/passwd, key: /etc/passwd}], "
                                  "self_signed: true}")),
            "t.yaml:4:79: self_signed: cannot be combined with certificates");
  EXPECT_EQ(error_of(listener_tls("{certificates: [{cert: /etc, key: /etc/passwd}]}")),
            "t.yaml:4:33: cert: '/etc' does not exist or is not a regular file");
}

TEST(ConfigErrors, Clusters) {
  EXPECT_EQ(error_of(cluster("    lb: fastest\n    endpoints: [a:1]\n")),
            "t.yaml:5:9: lb: unknown value 'fastest' (expected one of: round_robin, "
            "least_request, ring_hash, random, ewma)");
  EXPECT_EQ(error_of(cluster("    protocol: h3\n    endpoints: [a:1]\n")),
            "t.yaml:5:15: protocol: unknown value 'h3' (expected one of: h1, h2, h2c)");
  EXPECT_EQ(error_of(cluster("    lb: round_robin\n")),
            "t.yaml:5:5: missing required key 'endpoints' in cluster");
  EXPECT_EQ(error_of(cluster("    endpoints: []\n")),
            "t.yaml:5:16: endpoints: at least one endpoint is needed");
  EXPECT_EQ(error_of(cluster("    endpoints: [backend]\n")),
            "t.yaml:5:17: endpoint address: expected host:port");
  EXPECT_EQ(error_of(cluster("    endpoints: ['b:0']\n")),
            "t.yaml:5:17: endpoint address: port must be a number from 1 to 65535");
  EXPECT_EQ(error_of(cluster("    endpoints: [{address: 'b:1', weight: 0}]\n")),
            "t.yaml:5:42: weight: 0 is out of range [1, 10000]");
  EXPECT_EQ(error_of(cluster("    endpoints: [{addr: 'b:1'}]\n")),
            "t.yaml:5:18: unknown key 'addr' in endpoint (expected one of: address, weight, priority, region)");
  EXPECT_EQ(error_of(cluster("    endpoints: ['b:1', 'B:1']\n")),
            "t.yaml:5:24: endpoints: duplicate endpoint (use weight instead)");
  EXPECT_EQ(error_of(cluster("    endpoints: ['b:1']\n    hash_on: {header: x}\n")),
            "t.yaml:6:14: hash_on: only used with 'lb: ring_hash'");
  EXPECT_EQ(error_of(cluster("    lb: ring_hash\n    endpoints: ['b:1']\n    hash_on: {header: x, cookie: y}\n")),
            "t.yaml:7:14: hash_on: give exactly one of 'header: NAME', 'cookie: NAME' or 'client_address'");
  EXPECT_EQ(error_of(cluster("    lb: ring_hash\n    endpoints: ['b:1']\n    hash_on: source_ip\n")),
            "t.yaml:7:14: hash_on: unknown value 'source_ip' (expected one of: client_address)");
  EXPECT_EQ(error_of(cluster("    protocol: h2\n    tls: false\n    endpoints: ['b:1']\n")),
            "t.yaml:6:10: tls: protocol h2 to an upstream always uses TLS (use h2c for cleartext)");
  EXPECT_EQ(error_of(cluster("    protocol: h2c\n    tls: true\n    endpoints: ['b:1']\n")),
            "t.yaml:6:10: tls: protocol h2c is cleartext; use protocol h2 for HTTP/2 over TLS");
  EXPECT_EQ(error_of(cluster("    sni: x.example\n    endpoints: ['b:1']\n")),
            "t.yaml:5:10: sni: only used when tls is on");
  EXPECT_EQ(error_of(cluster("    endpoints: ['b:1']\n    connect_timeout: 1\n")),
            "t.yaml:6:22: connect_timeout: invalid duration '1': expected a unit (ms, s, m, h) "
            "after the number, e.g. '10s'");
  EXPECT_EQ(error_of(cluster("    endpoints: ['b:1']\n    max_connections_per_endpoint: 0\n")),
            "t.yaml:6:35: max_connections_per_endpoint: 0 is out of range [1, 4294967295]");
  EXPECT_EQ(error_of("listeners: [{address: '0.0.0.0:80'}]\nroute_tables: {t: []}\n"
                     "clusters:\n  'a b': {endpoints: ['b:1']}\n"),
            "t.yaml:4:3: cluster name 'a b': use letters, digits, '_', '-' and '.'");
}

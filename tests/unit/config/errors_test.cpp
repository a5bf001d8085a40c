// Every kind of config error, with its exact "file:line:column: message".
#include <gtest/gtest.h>

#include "config/loader.hpp"

using strata::config::ConfigError;
using strata::config::load_string;

namespace {

std::string error_of(std::string_view yaml) {
  try {
    load_string(yaml, "t.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

// A valid tail appended to listener-focused cases.
constexpr std::string_view kTables = "route_tables: {t: [{respond: {}}]}\n";

std::string with_tables(std::string_view head) { return std::string(head) + std::string(kTables); }

}  // namespace

TEST(ConfigErrors, YamlSyntax) {
  EXPECT_EQ(error_of("listeners: [\n"), "t.yaml:2:1: YAML syntax error: end of sequence flow not found");
  EXPECT_EQ(error_of("a: b: c\n"), "t.yaml:1:5: YAML syntax error: illegal map value");
}

TEST(ConfigErrors, Shape) {
  EXPECT_EQ(error_of(""), "t.yaml:1:1: the configuration is empty (expected a mapping with listeners)");
  EXPECT_EQ(error_of("- 1\n"), "t.yaml:1:1: the configuration: expected a mapping, got a list");
  EXPECT_EQ(error_of("workers: 2\n"), "t.yaml:1:1: missing required key 'listeners' in the configuration");
  EXPECT_EQ(error_of("workers: 1\nlistner: []\n"),
            "t.yaml:2:1: unknown key 'listner' in the configuration (expected one of: workers, "
            "listeners, admin, route_tables, clusters, limits, timeouts, access_log, state_dir)");
  EXPECT_EQ(error_of("workers: 1\nworkers: 2\n"), "t.yaml:2:1: duplicate key 'workers' in the configuration");
  EXPECT_EQ(error_of("listeners: []\n"), "t.yaml:1:12: listeners: at least one listener is needed");
  EXPECT_EQ(error_of("listeners:\n"), "t.yaml:1:1: listeners: expected a list, got nothing (null)");
  EXPECT_EQ(error_of("listeners: {a: 1}\n"), "t.yaml:1:12: listeners: expected a list, got a mapping");
  EXPECT_EQ(error_of("? [a]\n: 1\n"), "t.yaml:1:3: the configuration: keys must be plain words");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(error_of("workers: many\n"), "t.yaml:1:10: workers: expected a whole number, got 'many'");
  EXPECT_EQ(error_of("workers: \"4\"\n"), "t.yaml:1:10: workers: expected a whole number, got '4'");
  EXPECT_EQ(error_of("workers: -1\n"), "t.yaml:1:10: workers: expected a whole number, got '-1'");
  EXPECT_EQ(error_of("workers: 257\n"), "t.yaml:1:10: workers: 257 is out of range [0, 256]");
  EXPECT_EQ(error_of("workers: [1]\n"), "t.yaml:1:10: workers: expected a whole number, got a list");
  EXPECT_EQ(error_of("access_log: {enabled: yes}\n"),
            "t.yaml:1:23: enabled: expected true or false, got 'yes'");
  EXPECT_EQ(error_of("access_log: {format: xml}\n"),
            "t.yaml:1:22: format: unknown value 'xml' (expected one of: json, combined)");
  EXPECT_EQ(error_of("access_log: {path: }\n"),
            "t.yaml:1:14: path: expected a string, got nothing (null)");
}

TEST(ConfigErrors, Units) {
  EXPECT_EQ(error_of("timeouts:\n  idle: 10\n"),
            "t.yaml:2:9: idle: invalid duration '10': expected a unit (ms, s, m, h) after the "
            "number, e.g. '10s'");
  EXPECT_EQ(error_of("timeouts:\n  header: 0\n"), "t.yaml:2:11: header: must be at least 1ms");
  EXPECT_EQ(error_of("timeouts: {hdr: 1s}\n"),
            "t.yaml:1:12: unknown key 'hdr' in timeouts (expected one of: header, idle, "
            "body_idle, route, drain, tls_handshake)");
  EXPECT_EQ(error_of("limits:\n  max_body: 1.1KiB\n"),
            "t.yaml:2:13: max_body: invalid size '1.1KiB': must be a whole number of bytes and "
            "not too large");
  EXPECT_EQ(error_of("limits:\n  h2_max_frame_size: 1KiB\n"),
            "t.yaml:2:22: h2_max_frame_size: 1024 is out of range [16384, 16777215]");
  EXPECT_EQ(error_of("limits:\n  max_headers: 10KiB\n"),
            "t.yaml:2:16: max_headers: expected a whole number, got '10KiB'");
}

TEST(ConfigErrors, Listeners) {
  EXPECT_EQ(error_of(with_tables("listeners:\n  - name: a\n")),
            "t.yaml:2:5: missing required key 'address' in listener");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: localhost:80\n")),
            "t.yaml:2:14: address: the host must be an IP address, e.g. 0.0.0.0:8080 or [::]:8080");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:99999\n")),
            "t.yaml:2:14: address: port must be a number from 0 to 65535");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    prot: [h1]\n")),
            "t.yaml:3:5: unknown key 'prot' in listener (expected one of: name, address, tls, "
            "protocols, routes, alt_svc, quic)");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    protocols: [h1, h2]\n")),
            "t.yaml:3:21: protocols: 'h2' needs tls on the listener (use h2c for cleartext HTTP/2)");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    protocols: [h3]\n")),
            "t.yaml:3:17: protocols: 'h3' needs tls on the listener (use h2c for cleartext HTTP/2)");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    tls: {self_signed: true}\n"
                                 "    protocols: [h1, h2c]\n")),
            "t.yaml:4:21: protocols: 'h2c' is cleartext HTTP/2; use 'h2' on a TLS listener");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    protocols: [h1, h1]\n")),
            "t.yaml:3:21: protocols: 'h1' listed twice");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    protocols: [spdy]\n")),
            "t.yaml:3:17: protocols: unknown value 'spdy' (expected one of: h1, h2, h2c, h3)");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    protocols: []\n")),
            "t.yaml:3:16: protocols: must not be empty");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 0.0.0.0:80\n    routes: nope\n")),
            "t.yaml:3:13: routes: no route table named 'nope'");
  EXPECT_EQ(error_of("listeners:\n  - address: 0.0.0.0:80\n"),
            "t.yaml:2:5: listener: no route_tables are defined, so it has nothing to serve");
  EXPECT_EQ(error_of("listeners:\n  - address: 0.0.0.0:80\nroute_tables: {a: [], b: []}\n"),
            "t.yaml:2:5: listener: missing 'routes' (needed when there are several route tables)");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - {name: a, address: '0.0.0.0:80'}\n"
                                 "  - {name: a, address: '0.0.0.0:81'}\n")),
            "t.yaml:3:12: name: listener 'a' already exists");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - {name: a, address: '[::]:80'}\n"
                                 "  - {name: b, address: '[0::0]:80'}\n")),
            "t.yaml:3:24: address: [::]:80 is already used by listener 'a'");
  // Port 0 never clashes.
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 127.0.0.1:0\n  - address: 127.0.0.1:0\n")),
            "no error");
  EXPECT_EQ(error_of(with_tables("listeners:\n  - address: 127.0.0.1:80\nadmin: {address: '127.0.0.1:80'}\n")),
            "t.yaml:3:18: admin address 127.0.0.1:80 is already used by listener 'listener0'");
}

TEST(ConfigErrors, SecondDocument) {
  EXPECT_EQ(error_of("workers: 1\n---\nworkers: 2\n"),
            "t.yaml:2:1: only one YAML document is allowed (found a second '---')");
}

TEST(ConfigErrors, AliasBombIsRejected) {
  // 400 route aliases per table, 400 tables aliasing the list: 160k routes from ~6 KB.
  std::string yaml = "listeners: [{address: '0.0.0.0:80', routes: t0}]\nroute_tables:\n  t0: &l [&r {respond: {}}";
  for (int i = 0; i < 400; ++i) yaml += ", *r";
  yaml += "]\n";
  for (int i = 1; i < 400; ++i) yaml += "  t" + std::to_string(i) + ": *l\n";
  const std::string err = error_of(yaml);
  EXPECT_NE(err.find("the configuration is too large: more than 100000 values"), std::string::npos) << err;
  EXPECT_EQ(err.rfind("t.yaml:", 0), 0u) << err;
}

TEST(ConfigErrors, InputThatHangsYamlCppLoadAll) {
  // Found by config_fuzz: YAML::LoadAll never returns on these bytes.
  const std::string input(",t\xe4\x00\x00\x0c\n", 7);
  EXPECT_EQ(error_of(input), "t.yaml:1:1: only one YAML document is allowed (found a second '---')");
}

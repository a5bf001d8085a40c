// Route table errors, with exact locations.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

using strata::config::ConfigError;
using strata::config::load_string;

namespace {

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

// Line 1 clusters, line 2 "route_tables:", line 3 "  t:", route text from line 4.
std::string route(const std::string& r) {
  return "clusters: {api: {endpoints: ['b:1']}}\nroute_tables:\n  t:\n" + r +
         "listeners: [{address: '0.0.0.0:80'}]\n";
}

}  // namespace

TEST(ConfigErrors, RouteActions) {
  EXPECT_EQ(error_of(route("    - match: {prefix: /}\n")),
            "t.yaml:4:7: route: needs an action (proxy, respond, files or redirect)");
  EXPECT_EQ(error_of(route("    - respond: {}\n      redirect: {path: /}\n")),
            "t.yaml:5:17: route: give exactly one action (proxy, respond, files or redirect)");
  EXPECT_EQ(error_of(route("    - proxy: {cluster: web}\n")),
            "t.yaml:4:24: cluster: no cluster named 'web'");
  EXPECT_EQ(error_of(route("    - proxy: {}\n")),
            "t.yaml:4:14: missing required key 'cluster' in proxy");
  EXPECT_EQ(error_of(route("    - proxy: {cluster: api, prefix_rewrite: /v2/}\n")),
            "t.yaml:4:45: prefix_rewrite: needs a 'prefix' match on the route");
  EXPECT_EQ(error_of(route("    - proxy: {cluster: api, timeout: 1s, per_try_timeout: 2s}\n")),
            "t.yaml:4:59: per_try_timeout: must not exceed timeout");
  EXPECT_EQ(error_of(route("    - respond: {status: 600}\n")),
            "t.yaml:4:25: status: 600 is out of range [100, 599]");
  EXPECT_EQ(error_of(route("    - respond: {status: 99}\n")),
            "t.yaml:4:25: status: 99 is out of range [100, 599]");
  EXPECT_EQ(error_of(route("    - respond: {content_type: \"a\\nb\"}\n")),
            "t.yaml:4:31: content_type: header values must not contain CR, LF or NUL");
  EXPECT_EQ(error_of(route("    - redirect: {status: 200, path: /}\n")),
            "t.yaml:4:26: status: 200 is not a redirect status (301, 302, 303, 307, 308)");
  EXPECT_EQ(error_of(route("    - redirect: {keep_query: true}\n")),
            "t.yaml:4:17: redirect: set at least one of scheme, host, port, path (otherwise it loops)");
  EXPECT_EQ(error_of(route("    - redirect: {scheme: ftp}\n")),
            "t.yaml:4:26: scheme: unknown value 'ftp' (expected one of: http, https)");
  EXPECT_EQ(error_of(route("    - redirect: {port: 0}\n")),
            "t.yaml:4:24: port: 0 is out of range [1, 65535]");
  EXPECT_EQ(error_of(route("    - files: {index: x}\n")),
            "t.yaml:4:14: missing required key 'root' in files");
  EXPECT_EQ(error_of(route("    - files: {root: /srv, index: ../x}\n")),
            "t.yaml:4:34: index: must be a plain file name (or \"\" for none)");
  EXPECT_EQ(error_of(route("    - respond: {}\n      rewrite: {}\n")),
            "t.yaml:5:7: unknown key 'rewrite' in route (expected one of: name, match, proxy, "
            "respond, files, redirect, request_headers, response_headers, early_data, connect)");
  EXPECT_EQ(error_of(route("    - {name: a, respond: {}}\n    - {name: a, respond: {}}\n")),
            "t.yaml:5:7: route name 'a' is already used in table 't'");
}

TEST(ConfigErrors, RouteMatch) {
  EXPECT_EQ(error_of(route("    - match: {regex: '(unclosed'}\n      respond: {}\n")),
            "t.yaml:4:22: regex: invalid regular expression: missing ): (unclosed");
  EXPECT_EQ(error_of(route("    - match: {prefix: /a, path: /b}\n      respond: {}\n")),
            "t.yaml:4:23: match: use only one of path, prefix, regex");
  EXPECT_EQ(error_of(route("    - match: {prefix: a}\n      respond: {}\n")),
            "t.yaml:4:23: prefix: must start with '/'");
  EXPECT_EQ(error_of(route("    - match: {host: a.com, hosts: [b.com]}\n      respond: {}\n")),
            "t.yaml:4:35: hosts: use either 'host' or 'hosts', not both");
  EXPECT_EQ(error_of(route("    - match: {host: 'a.*.com'}\n      respond: {}\n")),
            "t.yaml:4:21: host: 'a.*.com' is not a host name (wildcards only as a leading '*.')");
  EXPECT_EQ(error_of(route("    - match: {methods: [get]}\n      respond: {}\n")),
            "t.yaml:4:25: methods: 'get' is not a method (methods are upper case, e.g. GET)");
  EXPECT_EQ(error_of(route("    - match: {headers: [{name: 'x y'}]}\n      respond: {}\n")),
            "t.yaml:4:32: name: 'x y' is not a valid header name");
  EXPECT_EQ(error_of(route("    - match: {headers: [{name: a, exact: b, prefix: c}]}\n      respond: {}\n")),
            "t.yaml:4:25: header match: use only one of exact, prefix, regex");
  EXPECT_EQ(error_of(route("    - match: {headers: [{name: a, exact: b, present: false}]}\n      respond: {}\n")),
            "t.yaml:4:54: present: false means the header is absent; it cannot also match a value");
  EXPECT_EQ(error_of(route("    - match: {headers: [{name: a, regex: '['}]}\n      respond: {}\n")),
            "t.yaml:4:42: regex: invalid regular expression: missing ]: [");
}

TEST(ConfigErrors, RouteHeaderEdits) {
  EXPECT_EQ(error_of(route("    - respond: {}\n      request_headers: {add: {'bad header': v}}\n")),
            "t.yaml:5:31: add: 'bad header' is not a valid header name");
  EXPECT_EQ(error_of(route("    - respond: {}\n      response_headers: {remove: [ok, 'x:y']}\n")),
            "t.yaml:5:39: remove: 'x:y' is not a valid header name");
  EXPECT_EQ(error_of(route("    - respond: {}\n      response_headers: {set: {a: b}}\n")),
            "t.yaml:5:26: unknown key 'set' in response_headers (expected one of: add, remove)");
  EXPECT_EQ(error_of(route("    - respond: {}\n      request_headers: {add: {a: [1]}}\n")),
            "t.yaml:5:34: header value: expected a string, got a list");
}

TEST(ConfigErrors, RouteTablesShape) {
  EXPECT_EQ(error_of("route_tables: {t: {respond: {}}}\nlisteners: [{address: '0.0.0.0:80'}]\n"),
            "t.yaml:1:19: route table: expected a list, got a mapping");
  EXPECT_EQ(error_of("route_tables: [a]\nlisteners: [{address: '0.0.0.0:80'}]\n"),
            "t.yaml:1:15: route_tables: expected a mapping, got a list");
}

TEST(ConfigErrors, RouteConnect) {
  EXPECT_EQ(error_of(route("    - connect: ['nope']\n")).substr(0, 21), "t.yaml:4:17: connect:");
  // `connect` alone is a complete route (other methods get 405).
  EXPECT_EQ(error_of(route("    - connect: ['Example.com:443', '[::1]:22']\n")), "no error");
  const auto cfg = load_string(route("    - connect: ['Example.com:443', '[::1]:22']\n"), "t.yaml");
  const auto& r = cfg->route_tables.at("t").at(0);
  EXPECT_EQ(r.connect, (std::vector<std::string>{"example.com:443", "[::1]:22"}));
}

// The `compression` filter type of a `filters:` list
// (config/parse_compression.cpp): defaults, every key, errors with
// file:line:column, on a route and on a listener.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml, "no error"); }

// Line 1 "route_tables:", line 2 "  t:", line 3 the route, line 4 its
// filter entry; the listener last.
std::string route_filter(const std::string& entry) {
  return "route_tables:\n  t:\n    - respond: {body: x}\n      filters: [" + entry +
         "]\nlisteners: [{address: '127.0.0.1:0'}]\n";
}

const CompressionConfig& first_route_filter(const Config& c) {
  return c.route_tables.begin()->second.front().filters.at(0).compression;
}

TEST(ConfigCompression, DefaultsFromEmptyMappingOrNull) {
  for (const char* entry : {"{compression: {}}", "{compression: }", "{compression: null}"}) {
    auto c = load_string(route_filter(entry), "t.yaml");
    const auto& f = c->route_tables.begin()->second.front().filters.at(0);
    EXPECT_EQ(f.type, "compression") << entry;
    EXPECT_EQ(f.compression, CompressionConfig{}) << entry;
  }
  const CompressionConfig d;
  EXPECT_EQ(d.encodings, (std::vector<std::string>{"zstd", "br", "gzip"}));
  EXPECT_EQ(d.min_length, 256u);
  EXPECT_EQ(d.gzip_level, 6);
  EXPECT_EQ(d.br_level, 4);
  EXPECT_EQ(d.zstd_level, 3);
}

TEST(ConfigCompression, EveryKey) {
  auto c = load_string(route_filter("{compression: {encodings: [br, gzip], min_length: 1KiB, "
                                    "types: [Text/*, application/json], "
                                    "levels: {gzip: 9, br: 11, zstd: 19}}}"),
                       "t.yaml");
  const auto& f = first_route_filter(*c);
  EXPECT_EQ(f.encodings, (std::vector<std::string>{"br", "gzip"}));
  EXPECT_EQ(f.min_length, 1024u);
  EXPECT_EQ(f.types, (std::vector<std::string>{"text/*", "application/json"}));
  EXPECT_EQ(f.gzip_level, 9);
  EXPECT_EQ(f.br_level, 11);
  EXPECT_EQ(f.zstd_level, 19);
}

TEST(ConfigCompression, OnAListener) {
  auto c = load_string(
      "route_tables: {t: [{respond: {}}]}\n"
      "listeners:\n"
      "  - address: 127.0.0.1:0\n"
      "    filters:\n"
      "      - compression: {min_length: 0}\n",
      "t.yaml");
  ASSERT_EQ(c->listeners.at(0).filters.size(), 1u);
  EXPECT_EQ(c->listeners[0].filters[0].type, "compression");
  EXPECT_EQ(c->listeners[0].filters[0].compression.min_length, 0u);
}

TEST(ConfigCompression, Errors) {
  EXPECT_EQ(error_of(route_filter("{compression: {encodings: [deflate]}}")),
            "t.yaml:4:44: encodings: unknown value 'deflate' (expected one of: zstd, br, gzip)");
  EXPECT_EQ(error_of(route_filter("{compression: {encodings: [br, br]}}")),
            "t.yaml:4:48: encodings: 'br' is listed twice");
  EXPECT_EQ(error_of(route_filter("{compression: {encodings: []}}")),
            "t.yaml:4:43: encodings: must not be empty (remove the filter instead)");
  EXPECT_EQ(error_of(route_filter("{compression: {types: [json]}}")),
            "t.yaml:4:40: types: 'json' is not a media type (expected type/subtype or type/*)");
  EXPECT_EQ(error_of(route_filter("{compression: {types: ['*/json']}}")),
            "t.yaml:4:40: types: '*/json' is not a media type (expected type/subtype or type/*)");
  EXPECT_EQ(error_of(route_filter("{compression: {levels: {gzip: 10}}}")),
            "t.yaml:4:47: gzip: 10 is out of range [1, 9]");
  EXPECT_EQ(error_of(route_filter("{compression: {levels: {zstd: 0}}}")),
            "t.yaml:4:47: zstd: 0 is out of range [1, 19]");
  EXPECT_EQ(error_of(route_filter("{compression: {levels: {deflate: 1}}}")),
            "t.yaml:4:41: unknown key 'deflate' in levels (expected one of: gzip, br, zstd)");
  EXPECT_EQ(error_of(route_filter("{compression: {gzip: true}}")),
            "t.yaml:4:32: unknown key 'gzip' in compression (expected one of: encodings, "
            "min_length, types, levels)");
  EXPECT_EQ(error_of(route_filter("{compression: {}, headers: {}}")),
            "t.yaml:4:17: filter: give exactly one filter type (headers or compression)");
}

}  // namespace
}  // namespace strata::config

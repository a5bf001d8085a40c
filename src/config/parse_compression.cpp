// The `compression` filter of a `filters:` list (docs/compression.md):
//   - compression: {encodings: [zstd, br, gzip], min_length: 256,
//                   types: [text/*, application/json], levels: {gzip: 6, br: 4, zstd: 3}}
// `- compression:` alone or `{}` takes every default (config/compression.hpp).
#include <fmt/format.h>

#include "config/parse.hpp"

namespace strata::config::detail {

namespace {

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '+' ||
         c == '_' || c == '!' || c == '#' || c == '$' || c == '&' || c == '^';
}

// "type/subtype" or "type/*", lower-cased; no parameters.
std::string media_type(const Doc& d, const Val& v) {
  std::string s = as_string(d, v, "types");
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  const auto slash = s.find('/');
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < s.size();
  if (ok) {
    for (std::size_t i = 0; i < s.size() && ok; ++i)
      if (i != slash) ok = token_char(s[i]) || (s[i] == '*' && i == s.size() - 1 && i == slash + 1);
  }
  if (!ok)
    d.fail(v.loc, fmt::format("types: '{}' is not a media type (expected type/subtype or type/*)", s));
  return s;
}

}  // namespace

CompressionConfig parse_compression(const Doc& d, const Val& v) {
  CompressionConfig c;
  if (v.node.IsNull()) return c;  // "- compression:" alone: the defaults
  MapReader m(d, v, "compression", {"encodings", "min_length", "types", "levels"});
  if (auto e = m.get("encodings")) {
    c.encodings.clear();
    for (const auto& x : as_seq(d, *e, "encodings")) {
      auto name = as_enum(d, x, "encodings", {"zstd", "br", "gzip"});
      for (const auto& seen : c.encodings)
        if (seen == name) d.fail(x.loc, fmt::format("encodings: '{}' is listed twice", name));
      c.encodings.push_back(std::move(name));
    }
    if (c.encodings.empty()) d.fail(e->loc, "encodings: must not be empty (remove the filter instead)");
  }
  opt_size(m, "min_length", c.min_length, 0, std::uint64_t(1) << 40);
  if (auto t = m.get("types")) {
    c.types.clear();
    for (const auto& x : as_seq(d, *t, "types")) c.types.push_back(media_type(d, x));
    if (c.types.empty()) d.fail(t->loc, "types: must not be empty (remove the filter instead)");
  }
  if (auto l = m.get("levels")) {
    MapReader lm(d, *l, "levels", {"gzip", "br", "zstd"});
    opt_uint(lm, "gzip", c.gzip_level, 1, 9);
    opt_uint(lm, "br", c.br_level, 0, 11);
    opt_uint(lm, "zstd", c.zstd_level, 1, 19);
  }
  return c;
}

}  // namespace strata::config::detail

// Settings of a `compression` filter (docs/compression.md): response bodies
// encoded with zstd, brotli or gzip after negotiation with the client's
// Accept-Encoding. Plain data, copied into the filter when the chain is
// built; defaults are the documented ones.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace strata::config {

struct CompressionConfig {
  // Server preference among codings the client accepts with the same
  // q-value; each of "zstd", "br", "gzip" at most once.
  std::vector<std::string> encodings = {"zstd", "br", "gzip"};
  // Responses whose Content-Length is below this are sent as they are
  // (unknown length: compressed).
  std::uint64_t min_length = 256;
  // Media types to compress: "type/subtype" exact or "type/*"; matched
  // case-insensitively on the Content-Type without parameters.
  std::vector<std::string> types = {
      "text/*",
      "application/json",
      "application/javascript",
      "application/xml",
      "application/xhtml+xml",
      "application/rss+xml",
      "application/atom+xml",
      "application/ld+json",
      "application/manifest+json",
      "application/problem+json",
      "application/graphql-response+json",
      "application/wasm",
      "image/svg+xml",
      "image/x-icon",
      "font/ttf",
      "font/otf",
  };
  int gzip_level = 6;  // 1..9 (zlib)
  int br_level = 4;    // 0..11 (brotli quality)
  int zstd_level = 3;  // 1..19

  bool operator==(const CompressionConfig&) const = default;
};

}  // namespace strata::config

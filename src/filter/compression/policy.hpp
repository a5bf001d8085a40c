// What the compression filter compresses (docs/compression.md): the
// config's encodings, types, minimum length and levels, compiled once, and
// the checks a response must pass. Immutable after construction; shared by
// every worker.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/compression.hpp"
#include "filter/compression/encoder.hpp"
#include "http/message.hpp"

namespace strata::filter::compression {

// Why a response is sent as it is (label `reason` of
// strata_compression_skipped_total).
enum class Skip : std::uint8_t {
  none,
  method,        // HEAD or CONNECT
  status,        // 1xx, 204, 304
  range,         // 206 or Content-Range
  encoded,       // Content-Encoding already present
  no_transform,  // Cache-Control: no-transform (request or response)
  sse,           // text/event-stream (flushed per event by the origin; left alone)
  type,          // no Content-Type, or not in `types`
  small,         // Content-Length below min_length
  not_accepted,  // Accept-Encoding allows none of `encodings`
  count
};
std::string_view skip_name(Skip s);

class Policy {
 public:
  explicit Policy(const config::CompressionConfig& c);

  // The checks that do not depend on Accept-Encoding, in the order above.
  Skip check(const http::Request& req, const http::Response& head) const;
  // The same without the request: `method` is never returned, and
  // `no_transform` only for the response's Cache-Control unless
  // `request_no_transform` (the edge cache decides per response whether
  // it stores encoded variants, docs/cache.md "Compressed variants").
  Skip check_response(const http::Response& head, bool request_no_transform = false) const;
  // True when `content_type` (a header value, parameters allowed) is listed.
  bool type_listed(std::string_view content_type) const;
  const std::vector<Encoding>& preference() const { return preference_; }
  int level(Encoding e) const { return levels_[std::size_t(e)]; }

 private:
  std::vector<Encoding> preference_;
  std::uint64_t min_length_;
  std::vector<std::string> exact_;     // "application/json"
  std::vector<std::string> prefixes_;  // "text/" from "text/*"
  std::array<int, kEncodings> levels_{};
};

// Header helpers (exposed for tests).
// True when the comma-separated `list` holds `token` (case-insensitive).
bool has_token(std::string_view list, std::string_view token);
// Adds Accept-Encoding to Vary unless it (or "*") is there already.
void add_vary_accept_encoding(http::Headers& h);
// The head of a body encoded with `e`: Content-Encoding set, Content-Length
// and Accept-Ranges removed (the ETag is the caller's business).
void set_encoded_head(http::Headers& h, Encoding e);

}  // namespace strata::filter::compression

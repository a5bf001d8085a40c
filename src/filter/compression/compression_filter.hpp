// The `compression` filter (docs/compression.md): a response_body filter
// that encodes eligible responses with the coding negotiated from the
// request's Accept-Encoding (zstd, br or gzip), streamed: every body piece
// is compressed and flushed at once, so nothing waits for the end of the
// body and a response holds a bounded amount of memory.
//
// On a compressed response the head gets Content-Encoding and
// Vary: Accept-Encoding, loses Content-Length and Accept-Ranges, and a
// strong ETag becomes weak (W/). A response that could be compressed but
// the client accepts no listed coding still gets the Vary. Metrics:
// strata_compression_responses_total{encoding},
// strata_compression_bytes_in_total{encoding} /
// strata_compression_bytes_out_total{encoding},
// strata_compression_skipped_total{reason} (policy.hpp's Skip).
// Immutable once built; per-response state lives in the BodyTransform.
#pragma once
#include <array>
#include <memory>
#include <optional>

#include "filter/compression/policy.hpp"
#include "filter/filter.hpp"

namespace strata::obs {
class Counter;
}

namespace strata::filter::compression {

class CompressionFilter final : public Filter {
 public:
  explicit CompressionFilter(const config::CompressionConfig& c);
  std::string_view name() const override { return "compression"; }
  PhaseMask phases() const override { return bit(Phase::response_body); }
  std::unique_ptr<BodyTransform> on_response_body(const http::Request& req,
                                                  http::RequestContext& ctx,
                                                  http::Response& head) const override;

  // For the edge cache, which stores the encoded variants it makes
  // (docs/cache.md, "Compressed variants"): the filter's policy, and an
  // encoder for `e` at the configured level, counted like the filter's own
  // (responses, bytes in, bytes out). Throws std::runtime_error when the
  // codec cannot be set up. Any thread.
  const Policy& policy() const { return policy_; }
  std::unique_ptr<BodyTransform> make_transform(Encoding e,
                                                std::optional<std::uint64_t> size_hint) const;

  struct Counters {
    std::array<obs::Counter*, kEncodings> responses{}, bytes_in{}, bytes_out{};
    std::array<obs::Counter*, std::size_t(Skip::count)> skipped{};
  };

 private:
  Policy policy_;
  Counters m_;
};

}  // namespace strata::filter::compression

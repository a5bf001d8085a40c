#include "filter/compression/compression_filter.hpp"

#include <charconv>
#include <stdexcept>

#include "filter/compression/negotiate.hpp"
#include "obs/metrics.hpp"

namespace strata::filter::compression {

namespace {

class CompressTransform final : public BodyTransform {
 public:
  CompressTransform(std::unique_ptr<Encoder> enc, obs::Counter& in, obs::Counter& out)
      : enc_(std::move(enc)), in_(in), out_(out) {}

  std::span<const char> transform(std::span<const char> in, bool end_stream,
                                  std::string& out) override {
    out.clear();
    if (done_ || (in.empty() && !end_stream)) return {};
    if (!enc_->encode(in, end_stream ? Encoder::Mode::finish : Encoder::Mode::flush, out))
      throw std::runtime_error("compression: the encoder failed");
    done_ = end_stream;
    in_.inc(in.size());
    out_.inc(out.size());
    // The scratch string keeps its capacity; shrink it after a rare huge
    // piece so an idle long response does not pin the memory.
    if (out.capacity() > (1u << 20) && out.size() < (1u << 16)) out.shrink_to_fit();
    return out;
  }

 private:
  std::unique_ptr<Encoder> enc_;
  obs::Counter& in_;
  obs::Counter& out_;
  bool done_ = false;
};

std::optional<std::uint64_t> content_length(const http::Response& head) {
  const auto cl = head.headers.get("content-length");
  if (!cl) return std::nullopt;
  std::uint64_t n = 0;
  const auto r = std::from_chars(cl->data(), cl->data() + cl->size(), n);
  if (r.ec != std::errc{} || r.ptr != cl->data() + cl->size()) return std::nullopt;
  return n;
}

}  // namespace

CompressionFilter::CompressionFilter(const config::CompressionConfig& c) : policy_(c) {
  for (std::size_t i = 0; i < kEncodings; ++i) {
    const obs::Labels l = {{"encoding", std::string(encoding_name(Encoding(i)))}};
    m_.responses[i] = &obs::counter("strata_compression_responses_total",
                                    "Responses compressed, by content coding", l);
    m_.bytes_in[i] = &obs::counter("strata_compression_bytes_in_total",
                                   "Body bytes given to the compressor, by content coding", l);
    m_.bytes_out[i] = &obs::counter("strata_compression_bytes_out_total",
                                    "Compressed body bytes sent, by content coding", l);
  }
  for (std::size_t i = 1; i < std::size_t(Skip::count); ++i)
    m_.skipped[i] = &obs::counter("strata_compression_skipped_total",
                                  "Responses of a compression filter sent uncompressed, by reason",
                                  {{"reason", std::string(skip_name(Skip(i)))}});
}

std::unique_ptr<BodyTransform> CompressionFilter::on_response_body(const http::Request& req,
                                                                   http::RequestContext&,
                                                                   http::Response& head) const {
  if (const Skip s = policy_.check(req, head); s != Skip::none) {
    m_.skipped[std::size_t(s)]->inc();
    return nullptr;
  }
  // From here the representation depends on Accept-Encoding.
  add_vary_accept_encoding(head.headers);
  const auto ae = req.headers.get("accept-encoding");
  const auto enc = ae ? negotiate(req.headers.joined("accept-encoding"), policy_.preference())
                      : std::nullopt;
  if (!enc) {
    m_.skipped[std::size_t(Skip::not_accepted)]->inc();
    return nullptr;
  }
  auto t = make_transform(*enc, content_length(head));
  set_encoded_head(head.headers, *enc);
  if (const auto etag = head.headers.get("etag"); etag && !etag->starts_with("W/"))
    head.headers.set("etag", "W/" + std::string(*etag));
  return t;
}

std::unique_ptr<BodyTransform> CompressionFilter::make_transform(
    Encoding e, std::optional<std::uint64_t> size_hint) const {
  auto encoder = make_encoder(e, policy_.level(e), size_hint);
  if (!encoder) throw std::runtime_error("compression: cannot create an encoder");
  const auto i = std::size_t(e);
  m_.responses[i]->inc();
  return std::make_unique<CompressTransform>(std::move(encoder), *m_.bytes_in[i], *m_.bytes_out[i]);
}

}  // namespace strata::filter::compression

// Test helper: streaming decoders for gzip (zlib), brotli (libbrotlidec)
// and zstd, fed piece by piece so a test can check that each flushed
// prefix of an encoder's output decodes to everything given so far.
#pragma once
#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "filter/compression/encoder.hpp"

namespace strata::test {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes `in`, appending to `out`; throws on corrupt input.
  virtual void feed(std::string_view in, std::string& out) = 0;
  // True once the encoded stream's end was seen.
  virtual bool finished() const = 0;
};

class GzipDecoder final : public Decoder {
 public:
  GzipDecoder() {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  }
  ~GzipDecoder() override { inflateEnd(&z_); }
  void feed(std::string_view in, std::string& out) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = uInt(in.size());
    char buf[16384];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(buf);
      z_.avail_out = sizeof buf;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        throw std::runtime_error("inflate failed");
      out.append(buf, sizeof buf - z_.avail_out);
      if (rc == Z_BUF_ERROR && z_.avail_out != 0) break;  // no progress possible
      if (rc == Z_STREAM_END) {
        end_ = true;
        break;
      }
    } while (z_.avail_out == 0 || z_.avail_in > 0);
  }
  bool finished() const override { return end_; }

 private:
  z_stream z_{};
  bool end_ = false;
};

class BrotliDecoder final : public Decoder {
 public:
  BrotliDecoder() : s_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {}
  ~BrotliDecoder() override { BrotliDecoderDestroyInstance(s_); }
  void feed(std::string_view in, std::string& out) override {
    std::size_t avail_in = in.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    for (;;) {
      std::uint8_t buf[16384];
      std::size_t avail_out = sizeof buf;
      std::uint8_t* next_out = buf;
      const auto r =
          BrotliDecoderDecompressStream(s_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
      if (r == BROTLI_DECODER_RESULT_ERROR) throw std::runtime_error("brotli decode failed");
      if (r == BROTLI_DECODER_RESULT_SUCCESS) {
        end_ = true;
        return;
      }
      if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && !BrotliDecoderHasMoreOutput(s_)) return;
    }
  }
  bool finished() const override { return end_; }

 private:
  BrotliDecoderState* s_;
  bool end_ = false;
};

class ZstdDecoder final : public Decoder {
 public:
  ZstdDecoder() : d_(ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(d_); }
  void feed(std::string_view in, std::string& out) override {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
      char buf[16384];
      ZSTD_outBuffer output{buf, sizeof buf, 0};
      const std::size_t r = ZSTD_decompressStream(d_, &output, &input);
      if (ZSTD_isError(r)) throw std::runtime_error(ZSTD_getErrorName(r));
      out.append(buf, output.pos);
      if (r == 0) end_ = true;
      if (input.pos == input.size && output.pos < output.size) return;
    }
  }
  bool finished() const override { return end_; }

 private:
  ZSTD_DCtx* d_;
  bool end_ = false;
};

inline std::unique_ptr<Decoder> make_decoder(filter::compression::Encoding e) {
  using filter::compression::Encoding;
  switch (e) {
    case Encoding::gzip: return std::make_unique<GzipDecoder>();
    case Encoding::br: return std::make_unique<BrotliDecoder>();
    case Encoding::zstd: return std::make_unique<ZstdDecoder>();
  }
  return nullptr;
}

// Decodes a whole stream; throws unless it is complete.
inline std::string decode_all(filter::compression::Encoding e, std::string_view data) {
  auto d = make_decoder(e);
  std::string out;
  d->feed(data, out);
  if (!d->finished()) throw std::runtime_error("truncated stream");
  return out;
}

}  // namespace strata::test

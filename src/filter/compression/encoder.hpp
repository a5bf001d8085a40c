// Streaming encoders of the compression filter (docs/compression.md): one
// per response, fed the body piece by piece. Each codec lives in its own
// file (gzip_encoder.cpp: zlib, brotli_encoder.cpp: libbrotlienc,
// zstd_encoder.cpp: libzstd). Not thread-safe; owned by one response.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace strata::filter::compression {

enum class Encoding : std::uint8_t { zstd, br, gzip };
inline constexpr std::size_t kEncodings = 3;

// The Content-Encoding token: "zstd", "br", "gzip".
std::string_view encoding_name(Encoding e);
// The inverse; nullopt for anything else.
std::optional<Encoding> encoding_from_name(std::string_view name);

class Encoder {
 public:
  enum class Mode : std::uint8_t {
    flush,   // emit everything: the output so far decodes to all input so far
    finish,  // end the stream (trailer / last block); no call after this one
  };
  virtual ~Encoder() = default;
  // Encodes `in` and appends the output to `out`. Returns false when the
  // codec failed (out of memory); the response must then be aborted.
  virtual bool encode(std::span<const char> in, Mode mode, std::string& out) = 0;
};

// Encoder windows are capped so a response holds a bounded amount of
// memory whatever its size (docs/compression.md, "Memory"). `size_hint`:
// the body length when known (lets the codec pick smaller tables).
std::unique_ptr<Encoder> make_gzip_encoder(int level);
std::unique_ptr<Encoder> make_brotli_encoder(int quality, std::optional<std::uint64_t> size_hint);
std::unique_ptr<Encoder> make_zstd_encoder(int level, std::optional<std::uint64_t> size_hint);
// Null when the codec cannot be set up (out of memory).
std::unique_ptr<Encoder> make_encoder(Encoding e, int level,
                                      std::optional<std::uint64_t> size_hint);

}  // namespace strata::filter::compression

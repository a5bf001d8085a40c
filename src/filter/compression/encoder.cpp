#include "filter/compression/encoder.hpp"

namespace strata::filter::compression {

std::string_view encoding_name(Encoding e) {
  switch (e) {
    case Encoding::zstd: return "zstd";
    case Encoding::br: return "br";
    case Encoding::gzip: return "gzip";
  }
  return "identity";
}

std::optional<Encoding> encoding_from_name(std::string_view name) {
  if (name == "zstd") return Encoding::zstd;
  if (name == "br") return Encoding::br;
  if (name == "gzip") return Encoding::gzip;
  return std::nullopt;
}

std::unique_ptr<Encoder> make_encoder(Encoding e, int level,
                                      std::optional<std::uint64_t> size_hint) {
  switch (e) {
    case Encoding::zstd: return make_zstd_encoder(level, size_hint);
    case Encoding::br: return make_brotli_encoder(level, size_hint);
    case Encoding::gzip: return make_gzip_encoder(level);
  }
  return nullptr;
}

}  // namespace strata::filter::compression

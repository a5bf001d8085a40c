// gzip (RFC 1952) through zlib's deflate with a gzip wrapper. Window 32 KiB,
// memLevel 8: about 256 KiB of state per response.
#include <zlib.h>

#include <algorithm>

#include "filter/compression/encoder.hpp"

namespace strata::filter::compression {

namespace {

class GzipEncoder final : public Encoder {
 public:
  explicit GzipEncoder(int level) {
    ok_ = deflateInit2(&z_, std::clamp(level, 1, 9), Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~GzipEncoder() override {
    if (ok_) deflateEnd(&z_);
  }
  bool ok() const { return ok_; }

  bool encode(std::span<const char> in, Mode mode, std::string& out) override {
    if (!ok_) return false;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    const int flush = mode == Mode::finish ? Z_FINISH : Z_SYNC_FLUSH;
    for (;;) {
      const std::size_t old = out.size();
      const std::size_t room = std::max<std::size_t>(deflateBound(&z_, z_.avail_in) + 64, 4096);
      out.resize(old + room);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
      z_.avail_out = static_cast<uInt>(room);
      const int rc = deflate(&z_, flush);
      out.resize(old + room - z_.avail_out);
      if (rc == Z_STREAM_END) return true;
      if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
      // Z_SYNC_FLUSH is complete once deflate left output space unused.
      if (flush == Z_SYNC_FLUSH && z_.avail_out != 0 && z_.avail_in == 0) return true;
    }
  }

 private:
  z_stream z_{};
  bool ok_ = false;
};

}  // namespace

std::unique_ptr<Encoder> make_gzip_encoder(int level) {
  auto e = std::make_unique<GzipEncoder>(level);
  if (!e->ok()) return nullptr;
  return e;
}

}  // namespace strata::filter::compression

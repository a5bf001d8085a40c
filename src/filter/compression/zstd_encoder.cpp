// zstd (RFC 8878) through libzstd's ZSTD_compressStream2. The window is
// capped at 2^20 bytes (smaller when the body length is known): bounded
// memory per response, and well under the 8 MiB browsers accept.
#include <zstd.h>

#include <algorithm>

#include "filter/compression/encoder.hpp"

namespace strata::filter::compression {

namespace {

constexpr int kMaxWindowLog = 20;

int window_log(std::optional<std::uint64_t> size_hint) {
  if (!size_hint) return kMaxWindowLog;
  int bits = 10;  // ZSTD_WINDOWLOG_MIN (static-linking-only API)
  while (bits < kMaxWindowLog && (std::uint64_t(1) << bits) < *size_hint) ++bits;
  return bits;
}

class ZstdEncoder final : public Encoder {
 public:
  ZstdEncoder(int level, std::optional<std::uint64_t> size_hint) : c_(ZSTD_createCCtx()) {
    if (!c_) return;
    ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, std::clamp(level, 1, 19));
    ZSTD_CCtx_setParameter(c_, ZSTD_c_windowLog, window_log(size_hint));
  }
  ~ZstdEncoder() override { ZSTD_freeCCtx(c_); }
  bool ok() const { return c_ != nullptr; }

  bool encode(std::span<const char> in, Mode mode, std::string& out) override {
    if (!c_ || done_) return false;
    const ZSTD_EndDirective op = mode == Mode::finish ? ZSTD_e_end : ZSTD_e_flush;
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
      const std::size_t old = out.size();
      const std::size_t room = std::max<std::size_t>(ZSTD_compressBound(input.size - input.pos) + 64,
                                                     4096);
      out.resize(old + room);
      ZSTD_outBuffer output{out.data() + old, room, 0};
      const std::size_t left = ZSTD_compressStream2(c_, &output, &input, op);
      out.resize(old + output.pos);
      if (ZSTD_isError(left)) return false;
      if (left == 0 && input.pos == input.size) {
        if (mode == Mode::finish) done_ = true;
        return true;
      }
    }
  }

 private:
  ZSTD_CCtx* c_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Encoder> make_zstd_encoder(int level, std::optional<std::uint64_t> size_hint) {
  auto e = std::make_unique<ZstdEncoder>(level, size_hint);
  if (!e->ok()) return nullptr;
  return e;
}

}  // namespace strata::filter::compression

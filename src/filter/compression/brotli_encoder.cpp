// brotli (RFC 7932) through libbrotlienc's streaming API. The window is
// capped at 2^20 bytes (smaller when the body length is known), so a
// response holds a few MiB at most whatever its size.
#include <brotli/encode.h>

#include <algorithm>

#include "filter/compression/encoder.hpp"

namespace strata::filter::compression {

namespace {

constexpr int kMaxLgwin = 20;

int window_bits(std::optional<std::uint64_t> size_hint) {
  if (!size_hint) return kMaxLgwin;
  int bits = BROTLI_MIN_WINDOW_BITS;
  while (bits < kMaxLgwin && (std::uint64_t(1) << bits) - 16 < *size_hint) ++bits;
  return bits;
}

class BrotliEncoder final : public Encoder {
 public:
  BrotliEncoder(int quality, std::optional<std::uint64_t> size_hint)
      : s_(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (!s_) return;
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_QUALITY,
                              std::uint32_t(std::clamp(quality, 0, 11)));
    BrotliEncoderSetParameter(s_, BROTLI_PARAM_LGWIN, std::uint32_t(window_bits(size_hint)));
    if (size_hint)
      BrotliEncoderSetParameter(s_, BROTLI_PARAM_SIZE_HINT,
                                std::uint32_t(std::min<std::uint64_t>(*size_hint, 1u << 30)));
  }
  ~BrotliEncoder() override {
    if (s_) BrotliEncoderDestroyInstance(s_);
  }
  bool ok() const { return s_ != nullptr; }

  bool encode(std::span<const char> in, Mode mode, std::string& out) override {
    if (!s_ || done_) return false;
    const BrotliEncoderOperation op =
        mode == Mode::finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH;
    std::size_t avail_in = in.size();
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    for (;;) {
      const std::size_t old = out.size();
      const std::size_t room = std::max<std::size_t>(avail_in + avail_in / 8 + 64, 4096);
      out.resize(old + room);
      std::size_t avail_out = room;
      auto* next_out = reinterpret_cast<std::uint8_t*>(out.data() + old);
      const bool ok =
          BrotliEncoderCompressStream(s_, op, &avail_in, &next_in, &avail_out, &next_out, nullptr);
      out.resize(old + room - avail_out);
      if (!ok) return false;
      if (BrotliEncoderHasMoreOutput(s_) || avail_in != 0) continue;
      if (mode == Mode::finish) {
        if (!BrotliEncoderIsFinished(s_)) continue;
        done_ = true;
      }
      return true;
    }
  }

 private:
  BrotliEncoderState* s_;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<Encoder> make_brotli_encoder(int quality, std::optional<std::uint64_t> size_hint) {
  auto e = std::make_unique<BrotliEncoder>(quality, size_hint);
  if (!e->ok()) return nullptr;
  return e;
}

}  // namespace strata::filter::compression

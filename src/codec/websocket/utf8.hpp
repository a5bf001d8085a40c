// Incremental UTF-8 validator (RFC 3629): text messages are checked as
// their bytes arrive, across frames and read chunks, so a bad sequence is
// caught as soon as it is seen (RFC 6455 8.1: fail fast). Rejects overlong
// forms, UTF-16 surrogates (U+D800..U+DFFF) and code points over U+10FFFF.
// 3 bytes of state; not thread-safe (one per message reader).
#pragma once
#include <cstdint>
#include <string_view>

namespace strata::codec::websocket {

class Utf8Validator {
 public:
  // Validates the next bytes. false once any byte so far is invalid
  // (sticky until reset()). A sequence may be split across calls.
  bool feed(std::string_view bytes);
  // True when everything fed so far is valid and no sequence is cut off.
  bool complete() const { return !failed_ && need_ == 0; }
  bool failed() const { return failed_; }
  void reset() { need_ = 0, lo_ = 0x80, hi_ = 0xBF, failed_ = false; }

 private:
  std::uint8_t need_ = 0;     // continuation bytes still expected
  std::uint8_t lo_ = 0x80;    // allowed range of the next continuation byte
  std::uint8_t hi_ = 0xBF;
  bool failed_ = false;
};

// One-shot check of a complete string.
bool is_valid_utf8(std::string_view bytes);

}  // namespace strata::codec::websocket

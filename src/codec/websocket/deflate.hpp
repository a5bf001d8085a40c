// permessage-deflate compression (RFC 7692 7.2) over zlib raw deflate.
// Not thread-safe per object (one per connection direction); the
// free functions are thread-safe.
//
// Memory: a zlib deflate stream costs 2^(window+2) + 2^(memLevel+9) bytes
// (~256 KB at 15/8), an inflate stream ~7 KB + 2^window (~40 KB at 15).
// Objects therefore hold zlib state ONLY when context takeover is in use:
// with no_context_takeover the Inflater frees its stream after every
// message and the Deflater uses a per-thread shared stream, so an idle
// compressed connection costs a few bytes. Hubs should negotiate
// server_no_context_takeover (always) and ask for client_no_context_takeover.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codec/websocket/error.hpp"

namespace strata::codec::websocket {

// Compresses messages for one direction of a connection.
class Deflater {
 public:
  // window_bits: 9..15 (the negotiated <x>_max_window_bits; zlib cannot
  // produce raw streams with an 8-bit window, so negotiation never agrees
  // to 8 for our compressor). level: zlib level (-1 = default, 6).
  // mem_level 1..9: used only with context takeover (smaller = less memory).
  explicit Deflater(int window_bits = 15, bool no_context_takeover = true, int level = -1,
                    int mem_level = 8);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses one whole message and appends it to `out`, without the
  // trailing 00 00 FF FF (RFC 7692 7.2.1). An empty message becomes 0x00.
  void compress(std::string_view message, std::string& out);
  bool holds_state() const { return stream_ != nullptr; }

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;  // context takeover only
  int window_bits_;
  int level_;
  int mem_level_;
  bool no_context_takeover_;
};

// Decompresses messages for one direction of a connection.
class Inflater {
 public:
  // window_bits 8..15: the peer's negotiated maximum window.
  // no_context_takeover: the peer resets its compressor per message; the
  // zlib stream is then freed after every message (finish()).
  explicit Inflater(int window_bits = 15, bool no_context_takeover = false);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Inflates the next compressed bytes of the current message and appends
  // the output to `out`. Errors: bad_compressed_data (1007) on invalid
  // deflate data (or data after a final block), message_too_big (1009)
  // when `out` would exceed `limit` bytes.
  Error inflate(std::string_view in, std::string& out, std::size_t limit);
  // Ends the current message: inflates the 00 00 FF FF tail (RFC 7692
  // 7.2.2) and resets / frees the stream as negotiated.
  Error finish(std::string& out, std::size_t limit);
  bool holds_state() const { return stream_ != nullptr; }

 private:
  struct Stream;
  Error run(const unsigned char* in, std::size_t n, std::string& out, std::size_t limit);
  std::unique_ptr<Stream> stream_;  // allocated on the first compressed byte
  int window_bits_;
  bool no_context_takeover_;
};

// One message compressed with no context takeover (the hub's shared
// compressed publication frames), without the 00 00 FF FF tail. Uses a
// per-thread zlib stream: no allocation per call after the first.
std::string deflate_once(std::string_view payload, int window_bits = 15);

// A whole compressed unmasked FIN frame (RSV1 set, text or binary): header
// + deflate_once(payload).
std::string deflated_frame(std::string_view payload, bool text = true, int window_bits = 15);

}  // namespace strata::codec::websocket

// Incremental RFC 6455 frame parser: fed arbitrary byte chunks (any split,
// down to one byte), it decodes headers, enforces the frame-level rules and
// hands out payload bytes unmasked in place. No allocation, no buffering
// of payload: ~40 bytes of state (a partial header is kept in a 14-byte
// array). Not thread-safe; one per connection.
//
// Rules (each answered with Error; close_code() gives 1002 or 1009):
//  - RSV2/RSV3 never allowed; RSV1 only when `allow_rsv1` (permessage-
//    deflate negotiated) and only on the first frame of a data message;
//  - reserved opcodes 3-7, 0xB-0xF rejected;
//  - Role::server: every frame must be masked; Role::client: no frame may
//    be masked;
//  - control frames: payload <= 125 bytes, FIN = 1 (they may come between
//    the fragments of a data message);
//  - 64-bit lengths with the MSB set are rejected; so are NON-MINIMAL
//    length encodings (126 used for < 126, 127 for <= 0xFFFF): RFC 6455
//    5.2 says the minimal number of bytes MUST be used and no legitimate
//    sender does otherwise, so we reject (1002) rather than accept;
//  - a frame longer than `max_frame` -> frame_too_big (1009), decided on
//    the header before any payload is read;
//  - fragmentation: continuation without a started message, or a new
//    text/binary frame while one is in progress -> 1002.
// Message-level rules (size across fragments, UTF-8, close payloads,
// inflation) are MessageReader's.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "codec/websocket/error.hpp"
#include "codec/websocket/frame.hpp"

namespace strata::codec::websocket {

class FrameParser {
 public:
  struct Limits {
    std::uint64_t max_frame = 1 << 20;  // payload bytes of one frame
  };

  enum class Status : std::uint8_t {
    need_more,  // every input byte consumed; feed more
    data,       // header() is valid; `payload` is the next piece of its payload
    error,      // error() says why; the parser stays failed
  };
  struct Result {
    Status status = Status::need_more;
    std::size_t consumed = 0;      // input bytes used (header + payload)
    std::span<char> payload;       // Status::data: unmasked, inside the input
    bool first = false;            // Status::data: first piece of this frame
    bool last = false;             // Status::data: the frame's payload is complete
  };

  FrameParser(Role role, Limits limits, bool allow_rsv1 = false)
      : limits_(limits), role_(role), allow_rsv1_(allow_rsv1) {}

  // Parses from the front of `in`. Returns data as soon as a header is
  // complete (with whatever payload follows it, possibly none: a
  // zero-length frame is one data result with first && last), then one
  // data result per call with more payload. Payload bytes are unmasked
  // in place in `in`.
  Result parse(std::span<char> in);

  const FrameHeader& header() const { return header_; }
  Error error() const { return error_; }
  // True while a fragmented data message is in progress.
  bool in_message() const { return in_message_; }
  // True between frames (no partial header or payload pending).
  bool at_frame_boundary() const { return !in_payload_ && hlen_ == 0; }
  void set_allow_rsv1(bool on) { allow_rsv1_ = on; }
  void set_limits(Limits l) { limits_ = l; }

 private:
  Result fail(Error e, std::size_t consumed);
  // Validates header_ once decoded; Error::none when acceptable.
  Error check_header();

  Limits limits_;
  FrameHeader header_;
  std::uint64_t remaining_ = 0;    // payload bytes of the current frame still to come
  std::uint64_t offset_ = 0;       // payload bytes of the current frame already given
  std::uint8_t hbuf_[kMaxHeaderSize];
  std::uint8_t hlen_ = 0;          // header bytes buffered
  Role role_;
  bool allow_rsv1_;
  bool in_payload_ = false;        // header done, payload pending
  bool in_message_ = false;
  Error error_ = Error::none;
};

}  // namespace strata::codec::websocket

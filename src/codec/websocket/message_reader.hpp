// Turns a WebSocket byte stream into messages and control frames: a
// FrameParser plus the message-level rules of RFC 6455 / RFC 7692:
//  - message size across fragments (wire bytes and inflated bytes) over
//    `max_message` -> 1009;
//  - text messages are UTF-8, checked incrementally across frames and
//    input chunks, failing as soon as a bad byte is seen -> 1007;
//  - close payloads: 1 byte -> 1002, invalid code -> 1002, reason not
//    UTF-8 -> 1007;
//  - compressed messages (RSV1, only after enable_inflate()) inflated
//    with the output bounded by `max_message` (-> 1009); bad data -> 1007.
//
// Zero-copy when it can be: a whole unfragmented uncompressed frame (or
// control frame) found in one input chunk is returned as a view into the
// input (unmasked in place). Otherwise the bytes are copied into one
// std::string that exists only while a message is partial and is freed
// after the message is handed out: an idle reader holds no heap memory
// (sizeof(MessageReader) is ~100 bytes; the zlib stream of a compressed
// connection exists only with context takeover, see deflate.hpp).
//
// Not thread-safe; one per connection.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "codec/websocket/error.hpp"
#include "codec/websocket/frame.hpp"
#include "codec/websocket/frame_parser.hpp"
#include "codec/websocket/utf8.hpp"

namespace strata::codec::websocket {

class Inflater;

class MessageReader {
 public:
  struct Limits {
    std::uint64_t max_frame = 1 << 20;    // one frame's payload (wire bytes)
    std::uint64_t max_message = 1 << 20;  // one message: wire bytes and inflated bytes
  };

  struct Event {
    enum class Kind : std::uint8_t {
      need_more,  // all input consumed; call again with more bytes
      message,    // a complete text/binary message in `payload`
      ping,       // `payload`: the ping data (answer with a pong of it)
      pong,
      close,      // peer's close: `code` (1005 = none) and `payload` = reason;
                  // the reader then ignores any further input
      error,      // `error` says why; close with `code`; the reader stays failed
    };
    Kind kind = Kind::need_more;
    Opcode opcode = Opcode::text;   // message: text or binary
    bool compressed = false;        // message: arrived compressed (RSV1)
    std::string_view payload;       // valid until the next call to next()
    std::uint16_t code = 0;
    Error error = Error::none;
  };

  MessageReader(Role role, Limits limits);
  ~MessageReader();
  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;

  // After permessage-deflate was negotiated: accept RSV1 messages and
  // inflate them. `window_bits` / `no_context_takeover` are the PEER's
  // compressor parameters (a server passes the client_* values).
  void enable_inflate(int window_bits, bool no_context_takeover);

  // Consumes bytes from the front of `in` (which it advances) and returns
  // the next event. The input may be split anywhere; payload bytes are
  // unmasked in place. need_more means `in` is now empty: partial frames
  // are kept inside the reader, so the caller may reuse its read buffer.
  Event next(std::span<char>& in);

  bool closed() const { return closed_; }
  bool failed() const { return error_ != Error::none; }
  // True when no partial frame or message is held (nothing buffered).
  bool idle() const { return parser_.at_frame_boundary() && !parser_.in_message() && buf_.empty(); }
  // Heap bytes held now (the partial-message buffer).
  std::size_t buffered() const { return buf_.capacity() > 15 ? buf_.capacity() : 0; }

 private:
  Event fail(Error e);
  Event control(Opcode op, std::string_view payload);

  enum class Release : std::uint8_t { none, message, control };

  FrameParser parser_;
  std::uint64_t max_message_;
  std::uint64_t wire_size_ = 0;     // current message's payload bytes on the wire
  std::string buf_;                 // partial message (+ a split control frame at its end)
  std::size_t ctl_start_ = 0;       // where a split control frame starts in buf_
  std::unique_ptr<Inflater> inflater_;
  Utf8Validator utf8_;
  Opcode opcode_ = Opcode::text;    // current message
  bool compressed_ = false;
  bool closed_ = false;
  Release release_ = Release::none;
  Error error_ = Error::none;
};

}  // namespace strata::codec::websocket

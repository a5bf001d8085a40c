// HTTP/1.1 response serialization: framing decision, status line + fields,
// chunk framing and the trailer section. No I/O; appends to a caller-owned
// std::string that the connection reuses (no allocation once warm).
// Pure functions except DateCache (one per thread/connection).
#pragma once
#include <chrono>

#include "core/loop_clock.hpp"
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace strata::codec::http1 {

inline constexpr std::string_view kCrlf = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// How a response body is delimited on the wire.
struct ResponseFraming {
  bool no_body = false;          // HEAD, 1xx, 204, 304: no body bytes at all
  bool chunked = false;          // Transfer-Encoding: chunked
  bool close_delimited = false;  // HTTP/1.0 without length: close ends the body
  bool add_zero_length = false;  // emit "content-length: 0" (end_stream, no CL)
  std::optional<std::uint64_t> content_length;  // valid length from the handler
};

// Decides framing for a response to `protocol` (http10/http11). A valid
// content-length field is used as is; `end_stream` (no body follows) gets
// "content-length: 0"; otherwise chunked on 1.1, close-delimited on 1.0.
ResponseFraming plan_framing(const http::Response& r, bool head_request,
                             http::Protocol protocol, bool end_stream);

struct HeadOptions {
  bool close = false;            // add "connection: close"
  bool keep_alive = false;       // add "connection: keep-alive" (HTTP/1.0 peers)
  std::string_view date;         // IMF-fixdate; added when non-empty and absent
  std::string_view server;       // added when non-empty and absent
  std::string_view alt_svc;      // added when non-empty and absent
};

// Appends the status line and fields. Fields the codec owns (connection,
// keep-alive, transfer-encoding, upgrade, proxy-connection) are dropped from
// r.headers; content-length is dropped for 1xx/204. Fields with invalid
// names or values containing CR/LF/NUL are dropped (no response splitting).
void serialize_head(const http::Response& r, const ResponseFraming& f, const HeadOptions& o,
                    std::string& out);

// An informational (1xx, not 101) head, e.g. 103 Early Hints.
void serialize_interim(const http::Response& r, std::string& out);

// Writes "<hex>\r\n" for a chunk of n bytes into buf; returns its length.
std::size_t chunk_size_line(std::uint64_t n, char (&buf)[20]);

// Appends the last chunk and the trailer section ("0\r\n" fields "\r\n").
void serialize_last_chunk(const http::Headers& trailers, std::string& out);

// Caches the IMF-fixdate string, reformatted at most once per second.
class DateCache {
 public:
  std::string_view get(std::chrono::system_clock::time_point now);
  std::string_view get() { return get(core::LoopClock::wall()); }
 private:
  std::int64_t second_ = -1;
  char buf_[32] = {};
  std::size_t len_ = 0;
};

}  // namespace strata::codec::http1

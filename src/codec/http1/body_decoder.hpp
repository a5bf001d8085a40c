// Incremental HTTP/1.1 body decoder for both directions: Content-Length or
// chunked (RFC 9112 7.1) with chunk extensions validated and bounded, and a
// trailer section parsed into http::Headers; for responses also a body
// delimited by the connection's close (RFC 9112 6.3 rule 8). No I/O and no copies: data comes back
// as views into the caller's input. Like RequestParser, the caller keeps
// unconsumed bytes and feeds them again with more.
// Limits: total body <= limits.max_body (413); a chunk-size line <=
// limits.max_request_line; all chunk extensions together <=
// limits.max_header_bytes; trailers bounded like a header section.
// Not thread-safe; one per connection, restarted per request.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/http1/error.hpp"
#include "codec/http1/limits.hpp"
#include "http/headers.hpp"

namespace strata::codec::http1 {

class BodyDecoder {
 public:
  enum class Status { need_more, data, done, error };
  struct Step {
    std::size_t consumed = 0;   // bytes of `in` to drop (includes `data`)
    Status status = Status::need_more;
    std::string_view data;      // with Status::data: body bytes, a view into `in`
  };

  // No body at all (done immediately).
  void start_none();
  void start_length(std::uint64_t n);
  // `trailers` (may be null: trailers are then validated and dropped)
  // receives the trailer fields; cleared here.
  void start_chunked(const Limits& limits, http::Headers* trailers);
  // Response body that ends when the peer closes: every byte is data until
  // finish_on_eof(). Bounded by limits.max_body.
  void start_until_close(const Limits& limits);
  // The peer closed the connection: done for an until-close body (true),
  // an error (incomplete_message) for any other unfinished body.
  bool finish_on_eof();

  // Decodes the next piece of `in`, returning at most `max_data` body bytes.
  // need_more: feed the unconsumed rest again with more bytes appended.
  Step step(std::string_view in, std::size_t max_data);

  Error error() const { return error_; }
  bool done() const { return state_ == State::done; }
  bool chunked() const { return chunked_; }
  bool until_close() const { return state_ == State::until_close; }
  // Body bytes still expected in Content-Length mode (0 when chunked).
  std::uint64_t remaining() const { return chunked_ ? 0 : remaining_; }
  std::uint64_t received() const { return received_; }

 private:
  enum class State : std::uint8_t { size_line, data, data_crlf, trailers, until_close, done, error };
  Step fail(Error e);
  Step step_once(std::string_view in, std::size_t max_data);
  Step size_line(std::string_view in);
  Step trailer_lines(std::string_view in);

  Limits limits_;
  http::Headers* trailers_ = nullptr;
  State state_ = State::done;
  Error error_ = Error::none;
  bool chunked_ = false;
  std::uint64_t remaining_ = 0;     // in the current chunk / whole CL body
  std::uint64_t received_ = 0;
  std::size_t ext_bytes_ = 0;
  std::size_t trailer_bytes_ = 0;
  std::uint32_t trailer_count_ = 0;
};

}  // namespace strata::codec::http1

// Strict, incremental HTTP/1.0 and HTTP/1.1 response-head parser (RFC
// 9112), the client-side twin of RequestParser: no I/O, the caller feeds
// bytes and keeps what was not consumed. It refuses what a proxy must not
// relay from an upstream: a malformed status line, HTTP versions other than
// 1.0/1.1, bare CR or LF, NUL and other controls, obs-fold, bad field
// names, duplicate Content-Length values that differ, Content-Length with
// Transfer-Encoding, codings other than a final "chunked", Transfer-Encoding
// on HTTP/1.0, a body on 1xx/204, heads over the limits (status line <=
// limits.max_request_line, field section <= limits.max_header_bytes and
// limits.max_headers) and more than kMaxInterim 1xx heads in a row.
// The body itself is decoded by BodyDecoder as facts().body says
// (start_body() sets one up).
// Not thread-safe; one parser per connection, reused for every response.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/error.hpp"
#include "codec/http1/limits.hpp"
#include "http/message.hpp"

namespace strata::codec::http1 {

// How the body of a response is delimited (RFC 9112 6.3).
enum class BodyFraming : std::uint8_t {
  none,         // HEAD, 1xx, 204, 304, or Content-Length: 0
  length,       // Content-Length: N > 0
  chunked,      // Transfer-Encoding: chunked
  until_close,  // neither: the body ends when the server closes
};

// Framing and connection facts of one response head, beyond http::Response.
struct ResponseFacts {
  bool http10 = false;
  bool keep_alive = true;    // the connection may carry another exchange
                             // after this response (version, Connection,
                             // until-close framing)
  bool interim = false;      // 1xx other than 101: the final head follows
  BodyFraming body = BodyFraming::none;
  std::uint64_t content_length = 0;  // with BodyFraming::length
  bool has_content_length = false;   // a Content-Length field was present
};

class ResponseParser {
 public:
  enum class Status { need_more, done, error };
  struct Result {
    std::size_t consumed = 0;    // bytes of `in` the caller must drop
    Status status = Status::need_more;
  };
  // 1xx heads accepted before a final one (100-continue, 103 early hints).
  static constexpr std::uint32_t kMaxInterim = 16;

  // Which fields go into the http::Response (all are validated and read
  // for facts() either way). A repeated Content-Length is kept once.
  enum class Fields : std::uint8_t {
    all,         // as received (default)
    end_to_end,  // without Connection (and the fields it names), Keep-Alive,
                 // Proxy-Connection, TE, Transfer-Encoding and (except on a
                 // 101) Upgrade: what a proxy relays
    none,        // status only (a load generator counting responses)
  };

  explicit ResponseParser(const Limits& limits = {}) : limits_(limits) {}
  void set_limits(const Limits& l) { limits_ = l; }
  void set_fields(Fields f) { fields_ = f; }

  // Begins the response to a request whose method was HEAD or not (HEAD:
  // no body whatever the head says). The head is written into *out
  // (cleared here); `out` must outlive the parse.
  void start(http::Response* out, bool head_request = false);
  // After a head with facts().interim: begins the next head of the same
  // response (into *out, cleared), counting interim heads.
  void next(http::Response* out);
  // Parses as many complete lines of `in` as possible. With `done` the head
  // is complete and `consumed` stops right after it (the body follows).
  // After `error`, error() tells why; the connection must close.
  Result parse(std::string_view in);

  // Sets `d` up for the body facts().body describes; `trailers` (may be
  // null) receives chunked trailers.
  void start_body(BodyDecoder& d, http::Headers* trailers) const;

  Error error() const { return error_; }
  const ResponseFacts& facts() const { return facts_; }

 private:
  enum class State : std::uint8_t { status_line, fields, done, error };
  Result fail(Error e, std::size_t consumed);
  void reset_head(http::Response* out);
  Error on_status_line(std::string_view line);
  Error on_field(std::string_view name, std::string_view value);
  Error finish();

  Limits limits_;
  Fields fields_ = Fields::all;
  bool head_request_ = false;
  http::Response* resp_ = nullptr;
  ResponseFacts facts_;
  State state_ = State::status_line;
  Error error_ = Error::none;
  std::uint32_t interim_count_ = 0;
  std::size_t field_bytes_ = 0;
  std::uint32_t field_count_ = 0;
  bool cl_seen_ = false;
  bool te_seen_ = false;
  bool te_unsupported_ = false;
  bool te_bad_ = false;
  bool te_chunked_last_ = false;
  bool conn_close_ = false;
  bool conn_keep_alive_ = false;
  std::uint64_t content_length_ = 0;
  // Names the Connection field lists besides close/keep-alive, each
  // followed by ','; end_to_end drops those fields too (RFC 9110 7.6.1).
  // Empty (no allocation) for the usual responses.
  std::string conn_listed_;
};

}  // namespace strata::codec::http1

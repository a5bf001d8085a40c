// Strict, incremental HTTP/1.0 and HTTP/1.1 request-head parser (RFC 9112).
// No I/O: the caller feeds bytes and keeps whatever the parser did not
// consume (a partial line) in front of the next bytes it feeds. Every
// malformed input maps to one codec::http1::Error (see error.hpp); limits
// come from http1::Limits (414 / 431 / 413 are decided here).
// Not thread-safe; one parser per connection, reused for every request.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/http1/error.hpp"
#include "codec/http1/limits.hpp"
#include "http/message.hpp"

namespace strata::codec::http1 {

// Framing and connection facts of one request head, beyond http::Request.
struct HeadFacts {
  bool keep_alive = true;        // after this exchange (Connection / version)
  bool chunked = false;          // Transfer-Encoding: chunked body
  bool expect_continue = false;  // HTTP/1.1 "Expect: 100-continue"
  bool upgrade = false;          // an Upgrade field is present
  bool h2c_upgrade = false;      // Upgrade lists h2c, HTTP2-Settings present and
                                 // Connection names both (RFC 7540 3.2)
  bool absolute_form = false;    // target was absolute-form
};

class RequestParser {
 public:
  enum class Status { need_more, done, error };
  struct Result {
    std::size_t consumed = 0;    // bytes of `in` the caller must drop
    Status status = Status::need_more;
  };

  explicit RequestParser(const Limits& limits = {}) : limits_(limits) {}
  void set_limits(const Limits& l) { limits_ = l; }

  // Begins a new request head written into *out (cleared here). `out` must
  // outlive the parse.
  void start(http::Request* out);
  // Parses as many complete lines of `in` as possible. With `done` the head
  // is complete and `consumed` stops right after it (the body follows).
  // After `error`, error() tells why; the connection must close.
  Result parse(std::string_view in);

  Error error() const { return error_; }
  const HeadFacts& facts() const { return facts_; }
  // True once any byte of this request (beyond leading CRLFs) was consumed
  // or is pending; the connection uses it to switch idle -> header timeout.
  bool in_request_line() const { return state_ == State::request_line; }

 private:
  enum class State : std::uint8_t { request_line, fields, done, error };
  Result fail(Error e, std::size_t consumed);
  Error on_request_line(std::string_view line);
  Error on_target(std::string_view target);
  Error on_field(std::string_view name, std::string_view value);
  Error finish();

  Limits limits_;
  http::Request* req_ = nullptr;
  HeadFacts facts_;
  State state_ = State::request_line;
  Error error_ = Error::none;
  std::size_t leading_bytes_ = 0;  // empty lines before the request line
  std::size_t field_bytes_ = 0;    // bytes of the field section so far
  std::uint32_t field_count_ = 0;
  bool host_seen_ = false;
  bool cl_seen_ = false;
  bool te_seen_ = false;
  bool te_unsupported_ = false;
  bool te_bad_ = false;
  bool te_chunked_last_ = false;
  bool conn_close_ = false;
  bool conn_keep_alive_ = false;
  bool conn_upgrade_ = false;
  bool conn_h2_settings_ = false;
  bool upgrade_h2c_ = false;
  bool h2_settings_seen_ = false;
  std::uint64_t content_length_ = 0;
};

}  // namespace strata::codec::http1

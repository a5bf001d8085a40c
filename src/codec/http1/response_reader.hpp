// A whole HTTP/1.1 response from bytes, for clients that count rather than
// relay (strata load, strata probe, the response fuzzer): ResponseParser for
// the head (interim 1xx heads are skipped, a 101 ends the response) and
// BodyDecoder for the body, which is counted, not stored. Exactly as strict
// as ResponseParser; no I/O, input may arrive in any split: the caller keeps
// what was not consumed in front of the next bytes.
// Not thread-safe; one per connection, reset() per response.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/response_parser.hpp"

namespace strata::codec::http1 {

class ResponseReader {
 public:
  enum class Status { need_more, done, error };

  // `keep_fields`: keep the final head's fields (headers()); otherwise
  // only the status. Limits bound the head and chunk lines (max_body is
  // raised to unlimited: a client counts whatever the server sends).
  explicit ResponseReader(bool keep_fields = false, const Limits& limits = {});

  // Prepares for the next response; `head_request`: no body follows.
  void reset(bool head_request = false);
  // Parses from `in`; `consumed` is how many bytes were used (the rest
  // belongs to the next response or needs more data). `done` once one full
  // response (head + body) was read.
  Status parse(std::string_view in, std::size_t& consumed);
  // The peer closed the connection: completes an until-close body,
  // an error for anything else unfinished.
  Status finish_on_eof();

  bool head_complete() const { return head_done_; }
  int status() const { return resp_.status; }
  bool keep_alive() const { return head_done_ && parser_.facts().keep_alive; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  // Why the response was refused ("" while there is no error).
  std::string_view error() const;
  // The final head's fields (lower-case names) when keep_fields.
  const http::Headers& headers() const { return resp_.headers; }
  const ResponseFacts& facts() const { return parser_.facts(); }

 private:
  ResponseParser parser_;
  BodyDecoder body_;
  http::Response resp_;
  Error error_ = Error::none;
  bool head_done_ = false;
  bool done_ = false;
  std::uint64_t body_bytes_ = 0;
};

}  // namespace strata::codec::http1

// Minimal incremental HTTP/1.1 RESPONSE parser for the client tools (load,
// probe): status line, headers, and a body framed by content-length, chunked
// encoding or connection close. Bodies are counted, not stored. Interim 1xx
// responses (except 101) are skipped. No I/O; input may arrive in any split.
// Limits: head <= max_head bytes (default 64 KiB), chunk-size lines <= 1 KiB.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::tools::load {

class H1ResponseParser {
 public:
  enum class Status { need_more, done, error };

  explicit H1ResponseParser(bool capture_headers = false, std::size_t max_head = 64 * 1024)
      : capture_(capture_headers), max_head_(max_head) {}

  // Prepares for the next response; `head_request` means no body follows.
  void reset(bool head_request = false);

  // Parses from `in`, sets `consumed` to how many bytes were used (the rest
  // belongs to the next response or needs more data). `done` when one full
  // response (head + body) has been parsed. A head that is split is not
  // consumed until complete: the caller keeps the unconsumed tail.
  Status parse(std::string_view in, std::size_t& consumed);
  // The peer closed the connection: completes an until-close body.
  Status finish_on_eof();

  bool head_complete() const { return state_ > State::head; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  const std::string& error() const { return error_; }
  // Populated when constructed with capture_headers (lower-cased names).
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  enum class State { head, body_length, body_chunk_size, body_chunk_data, body_chunk_crlf,
                     body_trailers, body_until_close, done };
  Status parse_head(std::string_view head);
  Status fail(std::string msg);

  bool capture_;
  std::size_t max_head_;
  bool head_request_ = false;
  State state_ = State::head;
  int status_ = 0;
  bool keep_alive_ = true;
  std::uint64_t remaining_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::string error_;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace strata::tools::load

// Every way an HTTP/1.x message can be rejected by the codec, with the
// status the server answers and a stable metric label. The connection
// driver answers `status(e)` with "Connection: close" and closes. A
// response refused by ResponseParser (any error) is a bad upstream
// response: the proxy answers 502, status() does not apply.
#pragma once
#include <cstdint>
#include <string_view>

namespace strata::codec::http1 {

enum class Error : std::uint8_t {
  none = 0,
  bad_request_line,        // 400: not "METHOD SP target SP version CRLF"
  bad_method,              // 400: method is not a token
  bad_target,              // 400: target form/characters invalid
  bad_version,             // 400: version text malformed
  version_not_supported,   // 505: HTTP/x.y other than 1.0 / 1.1
  request_line_too_long,   // 414: over limits.max_request_line
  headers_too_large,       // 431: over limits.max_header_bytes
  too_many_headers,        // 431: over limits.max_headers
  bad_header_name,         // 400: empty, non-token, or whitespace before ':'
  bad_header_value,        // 400: NUL / control bytes in a value
  obs_fold,                // 400: line folding (RFC 9112 5.2)
  bare_cr,                 // 400: CR not followed by LF
  bare_lf,                 // 400: LF without CR (strict parser)
  missing_host,            // 400: HTTP/1.1 without Host
  duplicate_host,          // 400: more than one Host
  bad_host,                // 400: Host value invalid
  bad_content_length,      // 400: not digits / overflow
  conflicting_content_length,  // 400: duplicates that differ
  content_length_with_transfer_encoding,  // 400: RFC 9112 6.3 (we reject)
  bad_transfer_encoding,   // 400: chunked not last / repeated / empty / HTTP/1.0
  unsupported_transfer_encoding,  // 501: a coding other than chunked
  unsupported_expectation, // 417: Expect other than 100-continue
  body_too_large,          // 413: over limits.max_body
  bad_chunk_size,          // 400: not hex / overflow / missing
  bad_chunk_extension,     // 400: malformed or oversized extension
  bad_chunk_data,          // 400: chunk data not followed by CRLF
  bad_trailer,             // 400: malformed trailer section
  bad_status_line,         // response: not "HTTP/1.x SP 3DIGIT [SP reason] CRLF", code not 100-599
  too_many_interim,        // response: more 1xx heads than ResponseParser allows
  body_not_allowed,        // response: 1xx/204 with Transfer-Encoding or a non-zero Content-Length
  incomplete_message,      // the peer closed before the head or a delimited body ended
  count_
};

// The HTTP status code to answer with (400, 413, 414, 417, 431, 501, 505).
int status(Error e);
// Stable snake_case label for metrics and logs ("obs_fold", ...).
std::string_view reason(Error e);

}  // namespace strata::codec::http1

#include "codec/http1/error.hpp"

namespace strata::codec::http1 {

int status(Error e) {
  switch (e) {
    case Error::none: return 200;
    case Error::version_not_supported: return 505;
    case Error::request_line_too_long: return 414;
    case Error::headers_too_large:
    case Error::too_many_headers: return 431;
    case Error::unsupported_transfer_encoding: return 501;
    case Error::unsupported_expectation: return 417;
    case Error::body_too_large: return 413;
    default: return 400;
  }
}

std::string_view reason(Error e) {
  switch (e) {
    case Error::none: return "none";
    case Error::bad_request_line: return "bad_request_line";
    case Error::bad_method: return "bad_method";
    case Error::bad_target: return "bad_target";
    case Error::bad_version: return "bad_version";
    case Error::version_not_supported: return "version_not_supported";
    case Error::request_line_too_long: return "request_line_too_long";
    case Error::headers_too_large: return "headers_too_large";
    case Error::too_many_headers: return "too_many_headers";
    case Error::bad_header_name: return "bad_header_name";
    case Error::bad_header_value: return "bad_header_value";
    case Error::obs_fold: return "obs_fold";
    case Error::bare_cr: return "bare_cr";
    case Error::bare_lf: return "bare_lf";
    case Error::missing_host: return "missing_host";
    case Error::duplicate_host: return "duplicate_host";
    case Error::bad_host: return "bad_host";
    case Error::bad_content_length: return "bad_content_length";
    case Error::conflicting_content_length: return "conflicting_content_length";
    case Error::content_length_with_transfer_encoding: return "content_length_with_transfer_encoding";
    case Error::bad_transfer_encoding: return "bad_transfer_encoding";
    case Error::unsupported_transfer_encoding: return "unsupported_transfer_encoding";
    case Error::unsupported_expectation: return "unsupported_expectation";
    case Error::body_too_large: return "body_too_large";
    case Error::bad_chunk_size: return "bad_chunk_size";
    case Error::bad_chunk_extension: return "bad_chunk_extension";
    case Error::bad_chunk_data: return "bad_chunk_data";
    case Error::bad_trailer: return "bad_trailer";
    case Error::bad_status_line: return "bad_status_line";
    case Error::too_many_interim: return "too_many_interim";
    case Error::body_not_allowed: return "body_not_allowed";
    case Error::incomplete_message: return "incomplete_message";
    case Error::count_: break;
  }
  return "unknown";
}

}  // namespace strata::codec::http1

#include "codec/http1/response_parser.hpp"

#include <charconv>
#include <cstring>

#include "codec/http1/syntax.hpp"

namespace strata::codec::http1 {

void ResponseParser::reset_head(http::Response* out) {
  resp_ = out;
  resp_->status = 0;
  resp_->headers.clear();
  facts_ = ResponseFacts{};
  state_ = State::status_line;
  error_ = Error::none;
  field_bytes_ = 0;
  field_count_ = 0;
  cl_seen_ = te_seen_ = te_unsupported_ = te_bad_ = te_chunked_last_ = false;
  conn_close_ = conn_keep_alive_ = false;
  conn_listed_.clear();
  content_length_ = 0;
}

void ResponseParser::start(http::Response* out, bool head_request) {
  head_request_ = head_request;
  interim_count_ = 0;
  reset_head(out);
}

void ResponseParser::next(http::Response* out) {
  reset_head(out);
  if (++interim_count_ >= kMaxInterim) {
    error_ = Error::too_many_interim;
    state_ = State::error;
  }
}

ResponseParser::Result ResponseParser::fail(Error e, std::size_t consumed) {
  error_ = e;
  state_ = State::error;
  return Result{consumed, Status::error};
}

ResponseParser::Result ResponseParser::parse(std::string_view in) {
  if (state_ == State::error) return Result{0, Status::error};
  if (state_ == State::done) return Result{0, Status::done};
  std::size_t pos = 0;
  while (true) {
    const char* base = in.data() + pos;
    const std::size_t avail = in.size() - pos;
    const void* nl = avail ? std::memchr(base, '\n', avail) : nullptr;
    if (!nl) {
      // Partial line: enforce limits now so an endless line cannot grow.
      if (state_ == State::status_line) {
        if (avail > std::size_t(limits_.max_request_line) + 1)
          return fail(Error::headers_too_large, pos);
      } else if (field_bytes_ + avail > limits_.max_header_bytes) {
        return fail(Error::headers_too_large, pos);
      }
      return Result{pos, Status::need_more};
    }
    const std::size_t len = std::size_t(static_cast<const char*>(nl) - base);
    if (len == 0 || base[len - 1] != '\r') return fail(Error::bare_lf, pos);
    const std::string_view line(base, len - 1);
    pos += len + 1;

    if (state_ == State::status_line) {
      // No leading empty lines: bytes before a response are a desync.
      if (line.size() > limits_.max_request_line) return fail(Error::headers_too_large, pos);
      if (Error e = on_status_line(line); e != Error::none) return fail(e, pos);
      state_ = State::fields;
      continue;
    }

    field_bytes_ += len + 1;
    if (field_bytes_ > limits_.max_header_bytes) return fail(Error::headers_too_large, pos);
    if (line.empty()) {
      if (Error e = finish(); e != Error::none) return fail(e, pos);
      state_ = State::done;
      return Result{pos, Status::done};
    }
    if (++field_count_ > limits_.max_headers) return fail(Error::too_many_headers, pos);
    std::string_view name, value;
    if (Error e = parse_field_line(line, name, value); e != Error::none) return fail(e, pos);
    if (Error e = on_field(name, value); e != Error::none) return fail(e, pos);
  }
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112
// 4); a missing SP after the code with no reason is accepted.
Error ResponseParser::on_status_line(std::string_view line) {
  for (char c : line)
    if (c == '\r') return Error::bare_cr;
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[6] != '.' || line[8] != ' ')
    return Error::bad_status_line;
  const char major = line[5], minor = line[7];
  if (major < '0' || major > '9' || minor < '0' || minor > '9') return Error::bad_status_line;
  if (major != '1' || (minor != '0' && minor != '1')) return Error::version_not_supported;
  facts_.http10 = minor == '0';
  int code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    const char c = line[i];
    if (c < '0' || c > '9') return Error::bad_status_line;
    code = code * 10 + (c - '0');
  }
  if (code < 100 || code > 599) return Error::bad_status_line;
  if (line.size() > 12) {
    if (line[12] != ' ') return Error::bad_status_line;
    for (char c : line.substr(13))
      if (!is_field_char(c)) return Error::bad_status_line;
  }
  resp_->status = code;
  return Error::none;
}

Error ResponseParser::on_field(std::string_view name, std::string_view value) {
  bool hop = false;  // a connection-level field (Fields::end_to_end drops it)
  switch (name.size()) {
    case 2:
      hop = http::iequals(name, "te");
      break;
    case 7:
      hop = resp_->status != 101 && http::iequals(name, "upgrade");
      break;
    case 10:
      if (http::iequals(name, "connection")) {
        hop = true;
        for_each_list_element(value, [&](std::string_view el) {
          if (http::iequals(el, "close")) conn_close_ = true;
          else if (http::iequals(el, "keep-alive")) conn_keep_alive_ = true;
          else if (fields_ == Fields::end_to_end && !http::iequals(el, "upgrade"))
            (conn_listed_ += el) += ',';  // Upgrade: handled above (kept on a 101)
          return true;
        });
      } else {
        hop = http::iequals(name, "keep-alive");
      }
      break;
    case 14:
      if (http::iequals(name, "content-length")) {
        Error err = Error::none;
        const bool first = !cl_seen_;
        for_each_list_element(value, [&](std::string_view el) {
          std::uint64_t n = 0;
          if (!parse_decimal(el, n)) {
            err = Error::bad_content_length;
            return false;
          }
          if (cl_seen_ && n != content_length_) {
            err = Error::conflicting_content_length;
            return false;
          }
          cl_seen_ = true;
          content_length_ = n;
          return true;
        });
        if (err != Error::none) return err;
        if (!cl_seen_) return Error::bad_content_length;  // empty value
        if (first && fields_ != Fields::none) {
          char digits[24];
          const auto r = std::to_chars(digits, digits + sizeof digits, content_length_);
          resp_->headers.add("content-length", std::string_view(digits, std::size_t(r.ptr - digits)));
        }
        return Error::none;
      }
      break;
    case 16:
      hop = http::iequals(name, "proxy-connection");
      break;
    case 17:
      if (http::iequals(name, "transfer-encoding")) {
        hop = true;
        te_seen_ = true;
        bool any = false;
        for_each_list_element(value, [&](std::string_view el) {
          any = true;
          if (http::iequals(el, "chunked")) {
            if (te_chunked_last_) te_bad_ = true;  // chunked applied twice
            te_chunked_last_ = true;
          } else {
            if (te_chunked_last_) te_bad_ = true;  // chunked must be last
            te_chunked_last_ = false;
            te_unsupported_ = true;
          }
          return true;
        });
        if (!any) te_bad_ = true;
      }
      break;
    default:
      break;
  }
  if (fields_ == Fields::all || (fields_ == Fields::end_to_end && !hop))
    resp_->headers.add(name, value);
  return Error::none;
}

Error ResponseParser::finish() {
  const int st = resp_->status;
  const bool informational = st < 200;
  const bool no_content = informational || st == 204;
  // RFC 9110 8.6 / 6.4.1: no body framing on 1xx and 204. Content-Length: 0
  // is tolerated; anything else would leave bytes of unknown meaning on the
  // connection.
  if (no_content && (te_seen_ || (cl_seen_ && content_length_ > 0))) return Error::body_not_allowed;
  if (te_seen_) {
    if (cl_seen_) return Error::content_length_with_transfer_encoding;
    if (facts_.http10) return Error::bad_transfer_encoding;  // RFC 9112 6.1
    if (te_bad_) return Error::bad_transfer_encoding;
    if (te_unsupported_) return Error::unsupported_transfer_encoding;
    if (!te_chunked_last_) return Error::bad_transfer_encoding;
  }
  for (std::string_view l = conn_listed_; !l.empty();) {
    const auto c = l.find(',');
    resp_->headers.remove(l.substr(0, c));
    l.remove_prefix(c + 1);
  }
  facts_.keep_alive = facts_.http10 ? (conn_keep_alive_ && !conn_close_) : !conn_close_;
  facts_.interim = informational && st != 101;
  facts_.has_content_length = cl_seen_;
  facts_.content_length = content_length_;
  if (head_request_ || no_content || st == 304) {
    facts_.body = BodyFraming::none;
  } else if (te_seen_) {
    facts_.body = BodyFraming::chunked;
  } else if (cl_seen_) {
    if (content_length_ > limits_.max_body) return Error::body_too_large;
    facts_.body = content_length_ ? BodyFraming::length : BodyFraming::none;
  } else {
    facts_.body = BodyFraming::until_close;
    facts_.keep_alive = false;
  }
  return Error::none;
}

void ResponseParser::start_body(BodyDecoder& d, http::Headers* trailers) const {
  switch (facts_.body) {
    case BodyFraming::none: d.start_none(); break;
    case BodyFraming::length: d.start_length(facts_.content_length); break;
    case BodyFraming::chunked: d.start_chunked(limits_, trailers); break;
    case BodyFraming::until_close: d.start_until_close(limits_); break;
  }
}

}  // namespace strata::codec::http1

#include "codec/http1/request_parser.hpp"

#include <cstring>

#include "codec/http1/syntax.hpp"

namespace strata::codec::http1 {

namespace {

// Target bytes: visible ASCII except '#' (fragments are never sent).
inline bool is_target_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '#';
}

// Host / authority bytes: unreserved, sub-delims, ':', '[', ']', '%'.
inline bool is_host_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  switch (c) {
    case '/': case '?': case '#': case '@': case '\\': case '"': case '<': case '>':
    case '^': case '`': case '{': case '|': case '}':
      return false;
    default:
      return true;
  }
}

bool valid_host(std::string_view h) {
  for (char c : h)
    if (!is_host_char(c)) return false;
  return true;
}

bool has_token(std::string_view list, std::string_view token) {
  bool found = false;
  for_each_list_element(list, [&](std::string_view el) {
    if (http::iequals(el, token)) found = true;
    return !found;
  });
  return found;
}

}  // namespace

void RequestParser::start(http::Request* out) {
  req_ = out;
  req_->method.clear();
  req_->scheme.clear();
  req_->authority.clear();
  req_->target.clear();
  req_->headers.clear();
  req_->protocol = http::Protocol::http11;
  req_->content_length.reset();
  req_->has_body = false;
  req_->early_data = false;
  facts_ = HeadFacts{};
  state_ = State::request_line;
  error_ = Error::none;
  leading_bytes_ = field_bytes_ = 0;
  field_count_ = 0;
  host_seen_ = cl_seen_ = te_seen_ = te_unsupported_ = te_bad_ = te_chunked_last_ = false;
  conn_close_ = conn_keep_alive_ = conn_upgrade_ = conn_h2_settings_ = false;
  upgrade_h2c_ = h2_settings_seen_ = false;
  content_length_ = 0;
}

RequestParser::Result RequestParser::fail(Error e, std::size_t consumed) {
  error_ = e;
  state_ = State::error;
  return Result{consumed, Status::error};
}

RequestParser::Result RequestParser::parse(std::string_view in) {
  if (state_ == State::error) return Result{0, Status::error};
  if (state_ == State::done) return Result{0, Status::done};
  std::size_t pos = 0;
  while (true) {
    const char* base = in.data() + pos;
    std::size_t avail = in.size() - pos;
    const void* nl = avail ? std::memchr(base, '\n', avail) : nullptr;
    if (!nl) {
      // Partial line: enforce limits now so an endless line cannot grow.
      if (state_ == State::request_line) {
        if (avail > std::size_t(limits_.max_request_line) + 1)
          return fail(Error::request_line_too_long, pos);
      } else if (field_bytes_ + avail > limits_.max_header_bytes) {
        return fail(Error::headers_too_large, pos);
      }
      return Result{pos, Status::need_more};
    }
    std::size_t len = std::size_t(static_cast<const char*>(nl) - base);
    if (len == 0 || base[len - 1] != '\r') return fail(Error::bare_lf, pos);
    std::string_view line(base, len - 1);
    pos += len + 1;

    if (state_ == State::request_line) {
      if (line.empty()) {  // RFC 9112 2.2: ignore leading empty lines
        leading_bytes_ += 2;
        if (leading_bytes_ > limits_.max_request_line) return fail(Error::request_line_too_long, pos);
        continue;
      }
      if (line.size() > limits_.max_request_line) return fail(Error::request_line_too_long, pos);
      if (Error e = on_request_line(line); e != Error::none) return fail(e, pos);
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

Error RequestParser::on_request_line(std::string_view line) {
  if (std::memchr(line.data(), '\r', line.size())) return Error::bare_cr;
  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2) return Error::bad_request_line;
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || target.empty() || target.find(' ') != std::string_view::npos)
    return Error::bad_request_line;
  if (!is_token(method)) return Error::bad_method;

  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return Error::bad_version;
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
    return Error::version_not_supported;
  req_->protocol = version[7] == '1' ? http::Protocol::http11 : http::Protocol::http10;

  req_->method.assign(method);
  return on_target(target);
}

Error RequestParser::on_target(std::string_view t) {
  for (char c : t)
    if (!is_target_char(c)) return Error::bad_target;
  const std::string& m = req_->method;
  if (t.front() == '/') {
    req_->target.assign(t);
    return Error::none;
  }
  if (t == "*") {
    if (m != "OPTIONS") return Error::bad_target;
    req_->target.assign(t);
    return Error::none;
  }
  if (m == "CONNECT") {  // authority-form: host:port
    if (!valid_host(t) || t.find(':') == std::string_view::npos) return Error::bad_target;
    req_->authority.assign(t);
    req_->target.assign(t);
    facts_.absolute_form = true;
    return Error::none;
  }
  // absolute-form: http(s)://authority[path][?query]
  std::size_t sep = t.find("://");
  if (sep == std::string_view::npos) return Error::bad_target;
  std::string_view scheme = t.substr(0, sep);
  if (!http::iequals(scheme, "http") && !http::iequals(scheme, "https")) return Error::bad_target;
  std::string_view rest = t.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty() || !valid_host(authority)) return Error::bad_target;
  req_->authority.assign(authority);
  if (end == std::string_view::npos) {
    req_->target.assign("/");
  } else if (rest[end] == '?') {
    req_->target.assign("/");
    req_->target.append(rest.substr(end));
  } else {
    req_->target.assign(rest.substr(end));
  }
  facts_.absolute_form = true;
  return Error::none;
}

Error RequestParser::on_field(std::string_view name, std::string_view value) {
  // Dispatch on length first: most fields are none of the special ones.
  switch (name.size()) {
    case 4:
      if (http::iequals(name, "host")) {
        if (host_seen_) return Error::duplicate_host;
        host_seen_ = true;
        if (!valid_host(value)) return Error::bad_host;
        // RFC 9112 3.2.2: absolute-form wins over Host.
        if (!facts_.absolute_form) req_->authority.assign(value);
        return Error::none;
      }
      break;
    case 6:
      if (http::iequals(name, "expect")) {
        if (!http::iequals(value, "100-continue")) return Error::unsupported_expectation;
        facts_.expect_continue = req_->protocol == http::Protocol::http11;
        return Error::none;  // handled by the codec, not forwarded
      }
      break;
    case 7:
      if (http::iequals(name, "upgrade")) {
        facts_.upgrade = true;
        if (has_token(value, "h2c")) upgrade_h2c_ = true;
      }
      break;
    case 10:
      if (http::iequals(name, "connection")) {
        for_each_list_element(value, [&](std::string_view el) {
          if (http::iequals(el, "close")) conn_close_ = true;
          else if (http::iequals(el, "keep-alive")) conn_keep_alive_ = true;
          else if (http::iequals(el, "upgrade")) conn_upgrade_ = true;
          else if (http::iequals(el, "http2-settings")) conn_h2_settings_ = true;
          return true;
        });
      }
      break;
    case 14:
      if (http::iequals(name, "content-length")) {
        Error err = Error::none;
        bool first = !cl_seen_;
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
        if (first) req_->headers.add("content-length", std::to_string(content_length_));
        return Error::none;
      }
      if (http::iequals(name, "http2-settings")) h2_settings_seen_ = true;
      break;
    case 17:
      if (http::iequals(name, "transfer-encoding")) {
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
        return Error::none;  // framing is the codec's business
      }
      break;
    default:
      break;
  }
  req_->headers.add(name, value);
  return Error::none;
}

Error RequestParser::finish() {
  const bool v11 = req_->protocol == http::Protocol::http11;
  if (v11 && !host_seen_) return Error::missing_host;
  if (te_seen_) {
    if (cl_seen_) return Error::content_length_with_transfer_encoding;
    if (!v11) return Error::bad_transfer_encoding;  // RFC 9112 6.1
    if (te_bad_) return Error::bad_transfer_encoding;
    if (te_unsupported_) return Error::unsupported_transfer_encoding;
    if (!te_chunked_last_) return Error::bad_transfer_encoding;
    facts_.chunked = true;
    req_->has_body = true;
  } else if (cl_seen_) {
    if (content_length_ > limits_.max_body) return Error::body_too_large;
    req_->content_length = content_length_;
    req_->has_body = content_length_ > 0;
  }
  facts_.keep_alive = v11 ? !conn_close_ : (conn_keep_alive_ && !conn_close_);
  facts_.h2c_upgrade = v11 && upgrade_h2c_ && h2_settings_seen_ && conn_upgrade_ &&
                       conn_h2_settings_;
  return Error::none;
}

}  // namespace strata::codec::http1

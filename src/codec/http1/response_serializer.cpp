#include "codec/http1/response_serializer.hpp"

#include <ctime>

#include "codec/http1/syntax.hpp"

namespace strata::codec::http1 {

namespace {

bool no_body_status(int s) { return (s >= 100 && s < 200) || s == 204 || s == 304; }

bool codec_owned(std::string_view n) {
  switch (n.size()) {
    case 7: return http::iequals(n, "upgrade");
    case 10: return http::iequals(n, "connection") || http::iequals(n, "keep-alive");
    case 16: return http::iequals(n, "proxy-connection");
    case 17: return http::iequals(n, "transfer-encoding");
    default: return false;
  }
}

bool safe_value(std::string_view v) {
  for (char c : v)
    if (!is_field_char(c)) return false;
  return true;
}

void append_status_line(int status, std::string& out) {
  if (status < 100 || status > 999) status = 500;
  out.append("HTTP/1.1 ");
  char code[4] = {char('0' + status / 100), char('0' + status / 10 % 10), char('0' + status % 10),
                  ' '};
  out.append(code, 4);
  out.append(http::reason_phrase(status));
  out.append(kCrlf);
}

void append_field(std::string_view n, std::string_view v, std::string& out) {
  out.append(n);
  out.append(": ");
  out.append(v);
  out.append(kCrlf);
}

void append_fields(const http::Headers& h, bool drop_cl, std::string& out) {
  for (const auto& f : h) {
    if (codec_owned(f.name)) continue;
    if (drop_cl && http::iequals(f.name, "content-length")) continue;
    if (!is_token(f.name) || !safe_value(f.value)) continue;
    append_field(f.name, f.value, out);
  }
}

}  // namespace

ResponseFraming plan_framing(const http::Response& r, bool head_request, http::Protocol protocol,
                             bool end_stream) {
  ResponseFraming f;
  if (auto cl = r.headers.get("content-length")) {
    std::uint64_t n = 0;
    if (parse_decimal(trim_ows(*cl), n)) f.content_length = n;
  }
  if (no_body_status(r.status)) {
    f.no_body = true;
    if (r.status < 200 || r.status == 204) f.content_length.reset();
    return f;
  }
  if (head_request) {
    f.no_body = true;
    return f;
  }
  if (f.content_length) return f;
  if (end_stream) {
    f.add_zero_length = true;
    f.content_length = 0;
    return f;
  }
  if (protocol == http::Protocol::http10) {
    f.close_delimited = true;
  } else {
    f.chunked = true;
  }
  return f;
}

void serialize_head(const http::Response& r, const ResponseFraming& f, const HeadOptions& o,
                    std::string& out) {
  append_status_line(r.status, out);
  const bool drop_cl = r.status < 200 || r.status == 204 || f.add_zero_length;
  append_fields(r.headers, drop_cl, out);
  if (!o.date.empty() && !r.headers.has("date")) append_field("date", o.date, out);
  if (!o.server.empty() && !r.headers.has("server")) append_field("server", o.server, out);
  if (!o.alt_svc.empty() && !r.headers.has("alt-svc")) append_field("alt-svc", o.alt_svc, out);
  if (f.add_zero_length) append_field("content-length", "0", out);
  if (f.chunked) append_field("transfer-encoding", "chunked", out);
  if (o.close) append_field("connection", "close", out);
  else if (o.keep_alive) append_field("connection", "keep-alive", out);
  out.append(kCrlf);
}

void serialize_interim(const http::Response& r, std::string& out) {
  append_status_line(r.status, out);
  append_fields(r.headers, true, out);
  out.append(kCrlf);
}

std::size_t chunk_size_line(std::uint64_t n, char (&buf)[20]) {
  static constexpr char kHex[] = "0123456789abcdef";
  char tmp[16];
  std::size_t len = 0;
  do {
    tmp[len++] = kHex[n & 0xf];
    n >>= 4;
  } while (n && len < sizeof tmp);
  for (std::size_t i = 0; i < len; ++i) buf[i] = tmp[len - 1 - i];
  buf[len] = '\r';
  buf[len + 1] = '\n';
  return len + 2;
}

void serialize_last_chunk(const http::Headers& trailers, std::string& out) {
  out.append("0\r\n");
  for (const auto& f : trailers) {
    if (codec_owned(f.name) || http::iequals(f.name, "content-length")) continue;
    if (!is_token(f.name) || !safe_value(f.value)) continue;
    append_field(f.name, f.value, out);
  }
  out.append(kCrlf);
}

std::string_view DateCache::get(std::chrono::system_clock::time_point now) {
  std::int64_t sec = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (sec != second_) {
    second_ = sec;
    std::time_t t = static_cast<std::time_t>(sec);
    std::tm tm{};
    gmtime_r(&t, &tm);
    len_ = std::strftime(buf_, sizeof buf_, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return std::string_view(buf_, len_);
}

}  // namespace strata::codec::http1

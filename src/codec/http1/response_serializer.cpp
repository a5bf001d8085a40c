#include "codec/http1/response_serializer.hpp"

#include <ctime>

#include "codec/http1/syntax.hpp"
#include "core/str_writer.hpp"
#include "core/swar.hpp"

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

bool safe_value(std::string_view v) { return core::swar::first_non_field_char(v) == v.size(); }

// Status line plus fields: "HTTP/1.1 NNN " reason CRLF.
constexpr std::size_t kStatusLineFixed = 15;

void put_status_line(int status, core::StrWriter& w) {
  if (status < 100 || status > 999) status = 500;
  w.lit("HTTP/1.1 ");
  const char code[4] = {char('0' + status / 100), char('0' + status / 10 % 10),
                        char('0' + status % 10), ' '};
  w.put(std::string_view(code, 4));
  w.put(http::reason_phrase(status));
  w.lit("\r\n");
}

// Which of the fields serialize_head adds by default the response has.
struct Present {
  bool date = false, server = false, alt_svc = false;
};

std::size_t fields_bound(const http::Headers& h) {
  std::size_t n = 0;
  for (const auto& f : h) n += core::StrWriter::field_size(f.name.size(), f.value.size());
  return n;
}

void put_fields(const http::Headers& h, bool drop_cl, core::StrWriter& w, Present* seen) {
  for (const auto& f : h) {
    if (codec_owned(f.name)) continue;
    if (drop_cl && f.name.size() == 14 && http::iequals(f.name, "content-length")) continue;
    if (!is_token(f.name) || !safe_value(f.value)) continue;
    if (seen) {
      switch (f.name.size()) {
        case 4: seen->date = seen->date || http::iequals(f.name, "date"); break;
        case 6: seen->server = seen->server || http::iequals(f.name, "server"); break;
        case 7: seen->alt_svc = seen->alt_svc || http::iequals(f.name, "alt-svc"); break;
        default: break;
      }
    }
    w.field(f.name, f.value);
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
  const std::string_view reason = http::reason_phrase(r.status);
  // The defaults below, framing and connection fields: at most 120 bytes
  // besides the values the options carry.
  core::StrWriter w(out, kStatusLineFixed + reason.size() + fields_bound(r.headers) + 120 +
                             o.date.size() + o.server.size() + o.alt_svc.size());
  put_status_line(r.status, w);
  const bool drop_cl = r.status < 200 || r.status == 204 || f.add_zero_length;
  Present seen;
  put_fields(r.headers, drop_cl, w, &seen);
  if (!o.date.empty() && !seen.date) w.field("date", o.date);
  if (!o.server.empty() && !seen.server) w.field("server", o.server);
  if (!o.alt_svc.empty() && !seen.alt_svc) w.field("alt-svc", o.alt_svc);
  if (f.add_zero_length) w.lit("content-length: 0\r\n");
  if (f.chunked) w.lit("transfer-encoding: chunked\r\n");
  if (o.close) w.lit("connection: close\r\n");
  else if (o.keep_alive) w.lit("connection: keep-alive\r\n");
  w.lit("\r\n");
}

void serialize_interim(const http::Response& r, std::string& out) {
  const std::string_view reason = http::reason_phrase(r.status);
  core::StrWriter w(out, kStatusLineFixed + reason.size() + fields_bound(r.headers) + 2);
  put_status_line(r.status, w);
  put_fields(r.headers, true, w, nullptr);
  w.lit("\r\n");
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
  core::StrWriter w(out, 5 + fields_bound(trailers));
  w.lit("0\r\n");
  put_fields(trailers, true, w, nullptr);
  w.lit("\r\n");
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

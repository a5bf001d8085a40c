#include "cache/serve.hpp"

#include <algorithm>
#include <string>

#include "cache/conditional.hpp"
#include "cache/encoded_variant.hpp"
#include "http/byte_range.hpp"
#include "http/file_body.hpp"
#include "http/http_date.hpp"

namespace strata::cache {

namespace {

bool tag_header(std::string_view n) {
  return n == "surrogate-key" || n == "cache-tag" || n == "surrogate-control";
}

// The fields a 304 carries (RFC 9110 15.4.5).
bool in_304(std::string_view n) {
  return n == "cache-control" || n == "content-location" || n == "date" || n == "etag" ||
         n == "expires" || n == "vary" || n == "last-modified";
}

// If-Range (RFC 9110 13.1.5): a strong ETag equal to the object's, or a
// date equal to its Last-Modified.
bool if_range_ok(const http::Headers& req, const Object& o) {
  auto ir = req.get("if-range");
  if (!ir) return true;
  if (!ir->empty() && (ir->front() == '"' || ir->substr(0, 2) == "W/")) {
    const auto* e = o.header("etag");
    return e && ir->front() == '"' && e->front() == '"' && *e == *ir;
  }
  const auto* lm = o.header("last-modified");
  return lm && *lm == *ir;
}

}  // namespace

void append_cache_status(http::Headers& h, std::string_view member) {
  std::string v = h.joined("cache-status");
  if (!v.empty()) v += ", ";
  v += member;
  h.set("cache-status", v);
}

boost::asio::awaitable<http::error_code> serve_object(http::Exchange& ex, const Object& o,
                                                      const ServeOptions& opt) {
  static const http::Headers kNone;
  const http::Headers& req = opt.client ? *opt.client : kNone;
  http::Response r;
  const bool nm = not_modified(req, o) && o.status == 200;
  http::ByteRange range;
  if (!nm && o.status == 200 && opt.method == "GET" && req.has("range") && if_range_ok(req, o))
    range = http::parse_byte_range(*req.get("range"), o.body->size());
  r.status = nm ? 304 : range.kind == http::ByteRange::Kind::single      ? 206
                      : range.kind == http::ByteRange::Kind::unsatisfiable ? 416
                                                                           : o.status;
  for (const auto& f : o.headers) {
    if (f.name == "age" || f.name == "content-length" || f.name == "cache-status") continue;
    if (opt.strip_tag_headers && tag_header(f.name)) continue;
    if (nm && !in_304(f.name)) continue;
    if (f.name == "etag") {
      r.headers.add(f.name, object_etag(o));  // the representation's (encoded variants)
      continue;
    }
    r.headers.add(f.name, f.value);
  }
  if (const auto* cs = o.header("cache-status")) r.headers.add("cache-status", *cs);
  append_cache_status(r.headers, opt.cache_status);
  r.headers.set("age", std::to_string(std::max<std::int64_t>(0, opt.age)));
  const std::string_view body = *o.body;
  std::string_view part = body;
  if (r.status == 206) {
    part = std::string_view(body).substr(range.first, range.length());
    r.headers.set("content-range", "bytes " + std::to_string(range.first) + "-" +
                                       std::to_string(range.last) + "/" +
                                       std::to_string(body.size()));
  } else if (r.status == 416) {
    part = {};
    r.headers.set("content-range", "bytes */" + std::to_string(body.size()));
  }
  if (nm) part = {};
  if (!nm) r.headers.set("content-length", std::to_string(part.size()));
  const bool no_body = nm || opt.method == "HEAD" || part.empty() || o.status == 204;
  if (no_body) co_return co_await ex.send_head(r, true);
  if (auto ec = co_await ex.send_head(r, false)) co_return ec;
  // A body in a sealed memfd: sendfile on HTTP/1.1 over plain TCP (the
  // head and the body leave without the body being copied), else the
  // mapped bytes through send_body.
  if (const int fd = o.body->fd(); fd >= 0)
    co_return co_await http::send_file_body(ex, fd, std::uint64_t(part.data() - body.data()),
                                            part.size(), part, true);
  // Objects up to 256 KiB leave in one send_body (on HTTP/1.1 one write
  // with the head); larger ones in 256 KiB pieces, which bounds what an
  // HTTP/2 or HTTP/3 stream buffers beyond its limit at a time.
  constexpr std::size_t kChunk = 256 * 1024;
  for (std::size_t off = 0; off < part.size(); off += kChunk) {
    const auto n = std::min(kChunk, part.size() - off);
    if (auto ec = co_await ex.send_body(std::span<const char>(part.data() + off, n),
                                        off + n == part.size()))
      co_return ec;
  }
  co_return http::error_code{};
}

}  // namespace strata::cache

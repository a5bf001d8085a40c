// Internals of ServerSession shared by its two translation units
// (server_session.cpp: the API; server_session_callbacks.cpp: the nghttp2
// callbacks). Not for use outside codec/http2.
#pragma once
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <string_view>

#include "codec/http2/server_session.hpp"

namespace strata::codec::http2 {

enum AbuseKind : int {
  kAbRapidReset,
  kAbContinuation,
  kAbControl,
  kAbHeaderList,
  kAbBody,
  kAbRefused,
  kAbuseKinds
};
inline constexpr const char* kAbuseNames[kAbuseKinds] = {"rapid_reset",  "continuation_flood",
                                                  "control_flood", "header_list",
                                                  "body_too_large", "refused_stream"};
static_assert(static_cast<int>(Abuse::refused_stream) == kAbRefused &&
              static_cast<int>(Abuse::rapid_reset) == kAbRapidReset);

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted once per second per thread.
inline std::string_view http_date() {
  thread_local std::time_t cached = 0;
  thread_local char buf[40];
  thread_local std::size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = now;
  }
  return {buf, len};
}

inline nghttp2_nv make_nv(std::string_view n, std::string_view v) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE};
}


struct ServerSession::Stream {
  StreamId id = 0;
  void* user = nullptr;
  http::Request req;
  http::Headers trailers;
  // request body: bytes [body_off, body.size()) are unread
  std::string body;
  std::size_t body_off = 0;
  std::uint64_t body_total = 0;
  std::uint32_t header_bytes = 0;
  std::uint32_t header_count = 0;
  bool too_large = false;
  bool has_trailers = false;
  bool req_ended = false;
  bool overflow = false;
  bool closed = false;
  std::uint32_t close_code = 0;
  bool dispatched = false;
  bool released = false;
  bool ignored = false;    // refused or rejected by the codec; never dispatched
  bool upgraded = false;   // h2c stream 1: body did not use HTTP/2 flow control
  bool head_req = false;
  bool tunnel = false;     // CONNECT: DATA is tunnel bytes, not bound by max_body
  bool client_priority = false;  // a PRIORITY_UPDATE for this stream arrived (RFC 9218)
  // response: bytes [out_off, out.size()) wait to be framed
  std::string out;
  std::size_t out_off = 0;
  bool resp_started = false;
  bool resp_eof = false;
  bool drop_body = false;
  bool trailers_pending = false;
  http::Headers trailers_out;
  std::string head_store;  // the final response's header bytes (build_nv)

  void clear() {
    id = 0;
    user = nullptr;
    // A fresh request, but the header list keeps its storage (cleared):
    // a recycled stream allocates no header block per request.
    http::Headers kept = std::move(req.headers);
    kept.clear();
    req = http::Request{};
    req.headers = std::move(kept);
    trailers.clear();
    body.clear();
    body_off = 0;
    body_total = 0;
    header_bytes = header_count = 0;
    too_large = has_trailers = req_ended = overflow = closed = false;
    client_priority = false;
    close_code = 0;
    dispatched = released = ignored = upgraded = head_req = tunnel = false;
    out.clear();
    out_off = 0;
    resp_started = resp_eof = drop_body = trailers_pending = false;
    trailers_out.clear();
    if (body.capacity() > 64 * 1024) std::string().swap(body);
    if (out.capacity() > 64 * 1024) std::string().swap(out);
    if (head_store.capacity() > 16 * 1024) std::string().swap(head_store);
  }
  std::size_t unread() const { return body.size() - body_off; }
};

struct ServerSession::NvScratch {
  std::vector<nghttp2_nv> nv;
  char status[4] = {};
};

// Builds the callback table (caller owns it) and the DATA read callback.
nghttp2_session_callbacks* new_server_callbacks();
ssize_t read_response_data(nghttp2_session* session, int32_t sid, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source* source, void* user);

}  // namespace strata::codec::http2

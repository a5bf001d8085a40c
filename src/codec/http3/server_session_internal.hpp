// Internals of http3::ServerSession shared by its two translation units
// (server_session.cpp: the API; server_session_callbacks.cpp: the nghttp3
// callbacks). Not for use outside codec/http3.
#pragma once
#include <nghttp3/nghttp3.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <deque>
#include <string_view>

#include "codec/http3/server_session.hpp"

namespace strata::codec::http3 {

enum ErrorKind : int {
  kErrProtocol,
  kErrMessage,
  kErrHeaderList,
  kErrBody,
  kErrRejected,
  kErrKinds
};
inline constexpr const char* kErrorNames[kErrKinds] = {"protocol", "message", "header_list",
                                                       "body_too_large", "rejected"};
static_assert(static_cast<int>(PeerError::rejected) == kErrRejected &&
              static_cast<int>(PeerError::protocol) == kErrProtocol);

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

inline nghttp3_nv make_nv(std::string_view n, std::string_view v) {
  return nghttp3_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(n.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), n.size(), v.size(),
                    NGHTTP3_NV_FLAG_NONE};
}

// Response body bytes in chunks that never move once allocated, so nghttp3
// can hold pointers into them until the peer acknowledges the bytes.
// Offsets are absolute from the start of the body: [acked, given) is with
// nghttp3, [given, size) waits for read_data.
class ChunkBuffer {
 public:
  static constexpr std::size_t kChunk = 16 * 1024;

  void append(const char* p, std::size_t n) {
    while (n > 0) {
      if (chunks_.empty() || chunks_.back().len == chunks_.back().cap) {
        // A small first chunk for small bodies; 16 KiB ones for streams.
        // Not zero-filled: every byte is written before it is handed out.
        std::size_t cap = chunks_.empty() && size_ == 0 ? std::max<std::size_t>(n, 512)
                                                        : std::max(kChunk, n);
        chunks_.push_back(Chunk{std::make_unique_for_overwrite<std::uint8_t[]>(cap), cap, 0});
      }
      Chunk& c = chunks_.back();
      std::size_t k = std::min(n, c.cap - c.len);
      std::memcpy(c.data.get() + c.len, p, k);
      c.len += k;
      size_ += k;
      p += k;
      n -= k;
    }
  }
  // Fills up to `cnt` vecs with bytes not handed out yet; returns the count.
  std::size_t give(nghttp3_vec* vec, std::size_t cnt) {
    std::size_t out = 0;
    std::uint64_t off = front_;
    for (auto& c : chunks_) {
      if (out == cnt || given_ == size_) break;
      std::uint64_t end = off + c.len;
      if (given_ < end) {
        std::size_t at = static_cast<std::size_t>(given_ - off);
        vec[out].base = c.data.get() + at;
        vec[out].len = c.len - at;
        given_ = end;
        ++out;
      }
      off = end;
    }
    return out;
  }
  // The peer acknowledged `n` more bytes: frees fully acknowledged chunks.
  void ack(std::uint64_t n) {
    acked_ = std::min<std::uint64_t>(acked_ + n, given_);
    while (!chunks_.empty() && front_ + chunks_.front().len <= acked_) {
      Chunk& c = chunks_.front();
      if (chunks_.size() == 1 && c.len < c.cap) {
        // Last chunk, all of it acked: reuse it from the start.
        front_ += c.len;
        c.len = 0;
        break;
      }
      front_ += c.len;
      chunks_.pop_front();
    }
  }
  std::size_t unacked() const { return static_cast<std::size_t>(size_ - acked_); }
  bool all_given() const { return given_ == size_; }
  // Empty again (nghttp3 holds no pointer into it). The first chunk stays
  // when it is small: a recycled stream's next small response allocates
  // nothing.
  void clear() {
    while (chunks_.size() > 1) chunks_.pop_back();
    if (!chunks_.empty() && chunks_.front().cap > kChunk) chunks_.clear();
    if (!chunks_.empty()) chunks_.front().len = 0;
    front_ = given_ = acked_ = size_ = 0;
  }

 private:
  struct Chunk {
    std::unique_ptr<std::uint8_t[]> data;
    std::size_t cap = 0;
    std::size_t len = 0;
  };
  std::deque<Chunk> chunks_;
  std::uint64_t front_ = 0;  // absolute offset of chunks_.front() byte 0
  std::uint64_t given_ = 0;
  std::uint64_t acked_ = 0;
  std::uint64_t size_ = 0;
};

struct ServerSession::Stream {
  StreamId id = 0;
  void* user = nullptr;
  http::Request req;
  std::string connect_protocol;
  http::Headers trailers;
  // request body: bytes [body_off, body.size()) are unread
  std::string body;
  std::size_t body_off = 0;
  std::uint64_t body_total = 0;
  std::uint32_t header_bytes = 0;
  std::uint32_t header_count = 0;
  bool in_trailers = false;
  bool too_large = false;
  bool has_trailers = false;
  bool req_ended = false;
  bool overflow = false;
  bool read_stopped = false;  // we sent STOP_SENDING or the peer reset
  bool closed = false;        // QUIC closed the stream
  bool write_shut = false;    // peer STOP_SENDING or our reset
  std::uint64_t close_code = 0;
  bool dispatched = false;
  bool released = false;
  bool ignored = false;  // rejected by the codec; never dispatched
  bool head_req = false;
  // response
  ChunkBuffer out;
  bool resp_started = false;
  bool resp_eof = false;
  bool drop_body = false;
  bool trailers_sent = false;
  // Stream-level bytes (frames included) QUIC has put into packets, and
  // those the peer acknowledged: their difference is what is in flight.
  std::uint64_t sent = 0;
  std::uint64_t stream_acked = 0;

  void clear() {
    id = 0;
    user = nullptr;
    // A fresh request, but the header list keeps its storage (cleared):
    // a recycled stream allocates no header block per request (as h2's).
    http::Headers kept = std::move(req.headers);
    kept.clear();
    req = http::Request{};
    req.headers = std::move(kept);
    connect_protocol.clear();
    trailers.clear();
    if (body.capacity() > 64 * 1024) std::string().swap(body);
    body.clear();
    body_off = 0;
    body_total = 0;
    header_bytes = header_count = 0;
    in_trailers = too_large = has_trailers = req_ended = overflow = false;
    read_stopped = closed = write_shut = false;
    close_code = 0;
    dispatched = released = ignored = head_req = false;
    out.clear();
    resp_started = resp_eof = drop_body = trailers_sent = false;
    sent = stream_acked = 0;
  }
  std::size_t unread() const { return body.size() - body_off; }
};

struct ServerSession::NvScratch {
  std::vector<nghttp3_nv> nv;
  char status[4] = {};
};

// Fills the nghttp3 callback table and returns the response body reader.
void server_callbacks(nghttp3_callbacks& cb);
nghttp3_ssize read_response_data(nghttp3_conn* conn, int64_t sid, nghttp3_vec* vec,
                                 size_t veccnt, uint32_t* flags, void* conn_user,
                                 void* stream_user);

}  // namespace strata::codec::http3

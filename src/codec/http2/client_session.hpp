// HTTP/2 client session: a thin adapter over nghttp2 with no I/O, used by
// the upstream HTTP/2 pool. The owner feeds received bytes (receive()),
// pulls bytes to send (send()) and learns about stream progress through
// ClientEvents. Per stream:
//   - the request: head submitted with submit_request(); the body is
//     appended with submit_data() into a per-stream buffer that the DATA
//     provider drains (DEFERRED while empty, resumed on append); optional
//     trailers with submit_trailers(). buffered() is the backpressure point.
//   - the response: interim (1xx) heads queue in Stream::interims, the final
//     head lands in Stream::response, DATA is buffered per stream and read
//     with read_body(), trailers land in Stream::trailers.
// Flow control is manual: a stream's (and the connection's) receive window
// only reopens as read_body() hands bytes to the application, so buffered
// response bytes per stream stay below the initial window and per
// connection below the connection window.
//
// GOAWAY: streams above the peer's last-stream-id (and requests the session
// could no longer start) end with Stream::refused set: they were not
// processed and may be retried on another connection. RST_STREAM
// REFUSED_STREAM sets refused too. Response header lists over the limits
// reset the stream (Stream::bad_response); every such failure is reported
// through ClientEvents::on_error (the pool counts it in
// strata_http2_client_errors_total{kind}).
//
// Discard mode (set_discard_responses, for load generators): response
// header fields are not stored (the status is) and DATA is counted in
// Stream::discarded and dropped on arrival, its flow control reopened at
// once; read_body() then returns 0.
//
// Thread: one connection's executor; not thread-safe. Events are called
// synchronously from receive()/send() and must not destroy the session.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/http2/stream_map.hpp"
#include "http/message.hpp"

struct nghttp2_session;

namespace strata::codec::http2 {

using ClientStreamId = std::int32_t;

// Limits of a client session; the pool fills them from config::Limits.
struct ClientLimits {
  std::uint32_t initial_window = 1024 * 1024;         // per-stream receive window
  std::uint32_t connection_window = 16 * 1024 * 1024;  // connection receive window
  std::uint32_t max_header_bytes = 32 * 1024;          // response header list (name+value+32)
  std::uint32_t max_headers = 100;                     // response header fields
};

class ClientEvents {
 public:
  virtual ~ClientEvents() = default;
  // Something the stream's owner may wait for changed: a response head,
  // body bytes, trailers, the end, request buffer space freed, or the
  // stream closed/reset/refused. Only called when the stream's user is set.
  virtual void on_stream_wake(ClientStreamId sid, void* user) = 0;
  // The peer sent GOAWAY; streams above `last_sid` are refused.
  virtual void on_goaway(ClientStreamId last_sid, std::uint32_t code) = 0;
  // The peer's SETTINGS arrived (peer_max_concurrent() may have changed).
  virtual void on_settings() = 0;
  // A response or the session failed on bad input: "header_list" (over the
  // limits), "bad_status", "protocol" (the session is dead).
  virtual void on_error(const char* kind) {}
};

class ClientSession {
 public:
  // What the owner of a stream may inspect (read-only).
  struct Stream {
    ClientStreamId id = 0;
    void* user = nullptr;
    // response
    std::vector<http::Response> interims;  // 1xx heads not yet taken (oldest first)
    bool head_done = false;               // final head in `response`
    http::Response response;
    std::string body;                     // [body_off, size) unread
    std::size_t body_off = 0;
    std::uint64_t discarded = 0;          // body bytes dropped (discard mode)
    bool ended = false;                   // END_STREAM received
    http::Headers trailers;
    bool has_trailers = false;
    bool closed = false;                  // stream closed (any reason)
    std::uint32_t close_code = 0;
    bool refused = false;                 // not processed by the peer: retryable
    bool bad_response = false;            // response over limits / malformed
    // request
    std::string out;                      // [out_off, size) not yet framed
    std::size_t out_off = 0;
    bool req_eof = false;
    bool trailers_pending = false;
    http::Headers trailers_out;
    bool released = false;
    // scratch while a header block is decoded
    http::Response cur;
    std::uint32_t header_bytes = 0;
    std::uint32_t header_count = 0;
    bool too_large = false;
    bool in_trailers = false;

    std::size_t unread() const { return body.size() - body_off; }
    std::size_t unsent() const { return out.size() - out_off; }
  };

  ClientSession(const ClientLimits& limits, ClientEvents& events);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // Queues the connection preface, SETTINGS (push disabled, our windows
  // and header limit) and the connection WINDOW_UPDATE. Call once.
  void start();
  // Feeds received bytes. False when the session must end.
  bool receive(std::span<const char> data);
  // Appends pending frames to `out` until about `max` bytes were added or
  // nothing is left. False on a fatal error.
  bool send(std::string& out, std::size_t max);
  bool want_read() const;
  bool want_write() const;
  bool failed() const { return failed_; }
  // Discard mode (see above); set before the first request.
  void set_discard_responses(bool on) { discard_ = on; }

  // --- streams ---
  // Submits a request head; `headers` must not hold pseudo-headers or
  // connection-specific fields. With `end_stream` there is no body;
  // otherwise the body follows through submit_data/submit_trailers.
  // Returns the stream id (> 0), or 0 when the session cannot start one.
  // `protocol` (optional) adds the `:protocol` pseudo-header of an RFC 8441
  // extended CONNECT (method CONNECT; the peer must have sent
  // SETTINGS_ENABLE_CONNECT_PROTOCOL=1).
  ClientStreamId submit_request(std::string_view method, std::string_view scheme,
                                std::string_view authority, std::string_view path,
                                const http::Headers& headers, bool end_stream, void* user,
                                std::string_view protocol = {});
  // Appends request body bytes (copied); the caller waits on buffered()
  // for backpressure. False when the stream can no longer send.
  bool submit_data(ClientStreamId sid, std::span<const char> data, bool end_stream);
  // Ends the request with a trailing HEADERS frame.
  bool submit_trailers(ClientStreamId sid, const http::Headers& t);
  // Request bytes waiting in the stream buffer.
  std::size_t buffered(ClientStreamId sid) const;
  // False once the request side can take no more data (closed, reset, or
  // the request already ended).
  bool writable(ClientStreamId sid) const;
  // Copies buffered response body into `buf` and reopens flow control.
  std::size_t read_body(ClientStreamId sid, std::span<char> buf);
  const Stream* find(ClientStreamId sid) const;
  // Pops the oldest 1xx head into `r`; false when none.
  bool take_interim(ClientStreamId sid, http::Response& r);
  void set_user(ClientStreamId sid, void* user);
  // RST_STREAM(code) unless the stream already closed.
  void reset(ClientStreamId sid, std::uint32_t code);
  // The owner is done: an open stream is cancelled, unread body consumed.
  void release(ClientStreamId sid);

  // --- connection ---
  // Peer's SETTINGS_MAX_CONCURRENT_STREAMS (nghttp2 assumes 100 until the
  // first SETTINGS arrives).
  std::uint32_t peer_max_concurrent() const;
  // Peer's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441); false until it arrived.
  bool peer_extended_connect() const;
  bool goaway_received() const { return goaway_; }
  // Graceful GOAWAY(NO_ERROR) from our side (idle close).
  void shutdown();
  // Streams known to the session (open or held by their owner).
  std::size_t live_streams() const { return streams_.size(); }

 private:
  friend struct ClientCallbacks;
  Stream* get(ClientStreamId sid) const;
  void destroy(ClientStreamId sid);
  void wake(Stream& s);

  nghttp2_session* s_ = nullptr;
  ClientLimits limits_;
  ClientEvents& ev_;
  static constexpr std::size_t kSpareStreams = 64;
  StreamMap<ClientStreamId, Stream, kSpareStreams> streams_;
  // Finished streams kept for reuse (bounded), so a request allocates no
  // Stream of its own in the steady state.
  std::vector<std::unique_ptr<Stream>> spare_;
  std::string* out_ = nullptr;  // during send()
  std::size_t out_limit_ = 0;
  bool failed_ = false;
  bool discard_ = false;
  bool goaway_ = false;
  bool shutdown_ = false;
  ClientStreamId goaway_last_ = 0;
};

}  // namespace strata::codec::http2

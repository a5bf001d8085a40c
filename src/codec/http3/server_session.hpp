// HTTP/3 server session: a thin adapter over nghttp3 with no I/O.
// The QUIC connection feeds stream data (receive()), pulls stream data to
// send (next_write()/wrote()), reports acks, flow-control blocking and
// stream closure, and implements QuicSide for what the codec needs from
// QUIC (flow-control credit, STOP_SENDING, RESET_STREAM). The per-stream
// API is the one of http2::ServerSession.
//
// Flow control: bytes nghttp3 consumes itself (frame headers, HEADERS,
// control and QPACK streams) are credited right away through
// QuicSide::consumed(); DATA payload is buffered per stream and credited
// only as the application reads it with read_body() (or when the body is
// discarded), so a slow handler bounds the request bytes held in memory
// to the QUIC receive windows.
//
// Response bodies are copied once into a per-stream chunk buffer whose
// chunks never move; nghttp3 gets pointers into it and the bytes are freed
// when the peer acknowledges them (acked()). buffered() counts bytes not
// yet put into packets, so a handler waiting on it bounds the backlog per
// stream; bytes in flight (bounded by the congestion window) are held on
// top of it until acknowledged, as in TCP's send buffer (unacked()).
//
// Bad peer input (each reported through SessionEvents::on_error; the
// driver counts them in strata_http3_errors_total{kind=...}):
//   protocol       nghttp3 rejected the input -> receive() false; close the
//                  connection with error_code()
//   message        malformed request head (nghttp3 resets the stream with
//                  H3_MESSAGE_ERROR)
//   header_list    request header list over max_header_bytes (name + value
//                  + 32 per field) or max_headers fields -> 431; oversized
//                  trailers -> stream reset with H3_EXCESSIVE_LOAD
//   body_too_large content-length over max_body -> 413; a streamed body
//                  crossing max_body -> BodyState::overflow, the rest is
//                  discarded (and credited)
//   rejected       a request stream after GOAWAY (H3_REQUEST_REJECTED)
//
// Thread: one connection's executor; not thread-safe. Events and QuicSide
// calls are made synchronously from the calling method and must not
// destroy the session.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "codec/http2/stream_map.hpp"
#include "core/clock.hpp"
#include "http/message.hpp"

struct nghttp3_conn;
struct nghttp3_vec;

namespace strata::codec::http3 {

using StreamId = std::int64_t;

// HTTP/3 application error codes used by callers (RFC 9114 section 8.1).
enum ErrorCode : std::uint64_t {
  kNoError = 0x100,
  kGeneralProtocolError = 0x101,
  kInternalError = 0x102,
  kExcessiveLoad = 0x107,
  kRequestRejected = 0x10b,
  kRequestCancelled = 0x10c,
  kMessageError = 0x10e,
};

// Implemented by the QUIC connection.
class QuicSide {
 public:
  virtual ~QuicSide() = default;
  // `n` bytes of stream `sid` were consumed: extend the stream's and the
  // connection's receive flow control by n. Framing is reported right away
  // (from receive()); DATA payload when the application reads it. May be
  // called for a stream QUIC already closed (then only the connection
  // window matters).
  virtual void consumed(StreamId sid, std::uint64_t n) = 0;
  // Send STOP_SENDING / RESET_STREAM on `sid` with an HTTP/3 error code.
  virtual void shutdown_stream_read(StreamId sid, std::uint64_t code) = 0;
  virtual void reset_stream(StreamId sid, std::uint64_t code) = 0;
  // The session forgot request stream `sid` (QUIC closed it and the
  // application released it): a good moment to grant the peer one more
  // bidirectional stream, which bounds streams held by handlers to the
  // QUIC stream limit. Default: nothing.
  virtual void stream_done(StreamId sid) {}
};

// The limits the session enforces, filled by the driver from
// config::Limits (same field names and defaults; any struct with these
// fields converts, so the codec needs nothing from config/).
struct Limits {
  std::uint32_t max_header_bytes = 32 * 1024;    // -> 431
  std::uint32_t max_headers = 100;               // -> 431
  std::uint64_t max_body = 64ull * 1024 * 1024;  // -> 413 / BodyState::overflow

  Limits() = default;
  template <class Source>
  Limits(const Source& l)  // NOLINT: implicit on purpose (config::Limits)
      : max_header_bytes(l.max_header_bytes), max_headers(l.max_headers), max_body(l.max_body) {}
};

// Kinds of bad peer input (see the list above).
enum class PeerError : std::uint8_t { protocol, message, header_list, body_too_large, rejected };
// "protocol", "message", ...: the metric label.
std::string_view peer_error_name(PeerError e);

class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  // strata_http3_errors_total{kind}: for the driver's metrics (default: ignored).
  virtual void on_error(PeerError) {}
  // A request head is complete on `sid`; ServerSession::request(sid) holds
  // it. The stream stays known to the session until release(sid).
  virtual void on_request(StreamId sid) = 0;
  // Something a stream's handler may wait for changed: body bytes or end
  // arrived, response bytes acknowledged, or the stream closed/reset.
  // `user` is the pointer given to set_user(); only called when non-null.
  virtual void on_stream_wake(StreamId sid, void* user) = 0;
};

enum class BodyState { more, ended, overflow, reset };

// Sent in our SETTINGS frame.
struct Settings {
  std::uint64_t qpack_max_dtable_capacity = 4096;
  std::uint64_t qpack_blocked_streams = 100;
  bool enable_connect_protocol = true;  // RFC 9220 extended CONNECT
};

class ServerSession {
 public:
  ServerSession(const Limits& limits, const Settings& settings, SessionEvents& events,
                QuicSide& quic, const core::Clock& clock = core::SteadyClock::instance());
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Binds our control and QPACK encoder/decoder unidirectional streams
  // (opened by the QUIC side) and queues SETTINGS. Call once, after the
  // handshake. False on error.
  bool start(StreamId control, StreamId qpack_encoder, StreamId qpack_decoder);
  // The cumulative number of bidirectional streams the client may open
  // (QUIC initial_max_streams_bidi, then each MAX_STREAMS extension).
  // nghttp3 uses it to validate PRIORITY_UPDATE frames: without it a
  // client sending PRIORITY_UPDATE fails the connection with H3_ID_ERROR.
  void set_max_client_streams_bidi(std::uint64_t max_streams);

  // Stream data from QUIC (any stream, including the peer's unidirectional
  // streams), in order. Credits framing bytes via QuicSide::consumed().
  // False = connection error: close the QUIC connection with error_code().
  // start() must have been called (with 0-RTT, call it on the first stream
  // data: the server knows the client's stream limits by then); before it,
  // receive() fails with H3_INTERNAL_ERROR.
  bool receive(StreamId sid, std::span<const std::uint8_t> data, bool fin);
  // Next data to write (nghttp3_conn_writev_stream): fills `vecs`, sets
  // `sid` (-1 when nothing to write) and `fin`, returns the number of vecs
  // filled; a return of 0 with sid >= 0 and fin set is a bare FIN. -1 =
  // fatal (close with error_code()). The bytes stay valid until acked().
  std::int64_t next_write(StreamId& sid, bool& fin, std::span<nghttp3_vec> vecs);
  // QUIC accepted `n` bytes of what next_write() returned (call with 0 for
  // an accepted bare FIN).
  bool wrote(StreamId sid, std::size_t n);
  // The peer acknowledged `n` more bytes of `sid`; frees response bytes.
  bool acked(StreamId sid, std::uint64_t n);
  void block(StreamId sid);           // QUIC stream blocked by flow control
  void shutdown_write(StreamId sid);  // QUIC cannot write this stream any more
  bool unblock(StreamId sid);         // flow-control window opened
  // QUIC stream fully closed (both directions, or reset); wakes the
  // handler. False on a connection error (critical stream closed).
  bool stream_closed(StreamId sid, std::uint64_t app_error);
  // RESET_STREAM from the peer: the request body is cut (BodyState::reset
  // unless it had ended); wakes the handler.
  bool peer_reset(StreamId sid, std::uint64_t app_error);
  // STOP_SENDING from the peer: the response can no longer be sent
  // (writable() false); wakes the handler.
  bool peer_stop_sending(StreamId sid, std::uint64_t app_error);
  // HTTP/3 error code to close the connection with after a false/-1.
  std::uint64_t error_code() const { return error_code_; }
  bool failed() const { return failed_; }

  // --- per stream (sid must be known: after on_request, until release) ---
  http::Request& request(StreamId sid);
  // RFC 9220 :protocol of an extended CONNECT, empty otherwise.
  std::string_view connect_protocol(StreamId sid) const;
  void set_user(StreamId sid, void* user);
  // Copies buffered request body bytes into `buf`, returning how many, and
  // credits them to QUIC flow control.
  std::size_t read_body(StreamId sid, std::span<char> buf);
  BodyState body_state(StreamId sid) const;
  const http::Headers* request_trailers(StreamId sid) const;
  // False when the stream can no longer send (closed, reset, stopped).
  bool writable(StreamId sid) const;
  // 1xx head.
  bool submit_interim(StreamId sid, const http::Response& r);
  // RFC 9218 default for a stream whose request had no `priority` field
  // (nghttp3_conn_set_stream_priority). Ignored when a PRIORITY_UPDATE
  // already changed the stream's priority; once set, nghttp3 0.8 ignores
  // later client signals for the stream.
  void set_priority(StreamId sid, std::uint8_t urgency, bool incremental);
  // Final head. Adds `date`/`server` when absent. HEAD requests and
  // 204/304 responses get their body dropped.
  bool submit_response(StreamId sid, const http::Response& r, bool end_stream);
  // Appends body bytes to the stream's buffer (no limit here: the caller
  // waits on buffered() for backpressure).
  bool submit_data(StreamId sid, std::span<const char> data, bool end_stream);
  // Ends the response with a trailing HEADERS frame.
  bool submit_trailers(StreamId sid, const http::Headers& t);
  // Response body bytes waiting to be put into packets: the backlog the
  // application's writer is held to (limits.stream_buffer). Bytes in
  // flight are not counted; they stay in the buffer until acknowledged,
  // as TCP's in-flight bytes stay in the kernel's send buffer, and the
  // congestion window bounds them per connection.
  std::size_t buffered(StreamId sid) const;
  // Response body bytes not yet acknowledged by the peer (the memory the
  // stream holds).
  std::size_t unacked(StreamId sid) const;
  // Aborts the stream both ways (RESET_STREAM + STOP_SENDING with `code`).
  void reset(StreamId sid, std::uint64_t code);
  // The application is done with `sid`; unread body is credited.
  void release(StreamId sid);

  // --- connection ---
  // Graceful GOAWAY: streams already accepted finish, new ones are
  // rejected with H3_REQUEST_REJECTED. Idempotent; before start() it only
  // marks the session (GOAWAY is queued by start()).
  void shutdown();
  bool shutting_down() const { return shutdown_; }
  // Request streams known to the session (open in nghttp3 or held by the
  // application).
  std::size_t live_streams() const { return streams_.size(); }
  // Start (clock time) of the oldest request whose head began (HEADERS
  // frame seen) but was not dispatched yet; time_point::max() if none.
  core::Clock::time_point oldest_pending_head() const;
  // timeouts.header: resets (H3_REQUEST_CANCELLED) every request stream
  // whose head began at or before `cutoff` and is still incomplete; returns how
  // many. Other streams are not affected.
  std::size_t expire_heads(core::Clock::time_point cutoff);

  struct Stream;  // internal; public for the C callbacks

 private:
  friend struct Callbacks;
  Stream* find(StreamId sid) const;
  Stream* create(StreamId sid);
  void destroy(StreamId sid);
  bool fail(int liberr, int kind);
  void finish_head(Stream& s);
  void reject(Stream& s, int status);
  void stop_reading(Stream& s, std::uint64_t code);
  void discard_body(Stream& s);
  void response_done(Stream& s);
  void build_nv(const http::Headers& h, bool with_date, int status);
  void wake(Stream& s);
  // nghttp3 calls that must not run inside nghttp3's own callbacks are
  // queued while in_lib_ and run by flush().
  enum DeferredOp : int { kOpStopNoError, kOpShutRead, kOpShutWrite };
  void defer(StreamId sid, DeferredOp op);
  void flush();

  nghttp3_conn* c_ = nullptr;
  Limits limits_;
  SessionEvents& ev_;
  QuicSide& quic_;
  const core::Clock& clock_;
  // Ended streams' map nodes are reused (codec/http2/stream_map.hpp).
  http2::StreamMap<StreamId, Stream, 16> streams_;
  std::vector<std::unique_ptr<Stream>> free_;  // recycled stream objects
  std::uint64_t error_code_ = kNoError;
  bool started_ = false;
  bool failed_ = false;
  bool shutdown_ = false;
  bool in_lib_ = false;
  std::vector<std::pair<StreamId, DeferredOp>> deferred_;
  // scratch for header lists handed to nghttp3 (copied by nghttp3)
  struct NvScratch;
  std::unique_ptr<NvScratch> nv_;
};

}  // namespace strata::codec::http3

// HTTP/2 server session: a thin adapter over nghttp2 with no I/O.
// The owner feeds received bytes (receive()), pulls bytes to send (send()),
// and gets per-stream events through SessionEvents. Request bodies are
// buffered per stream and flow control is manual: a stream's (and the
// connection's) receive window only reopens as the application reads the
// body with read_body(), so buffered request bytes per connection stay
// below the connection window. Response bodies are copied once into a
// per-stream buffer and written straight from it into the output (DATA
// frames use NGHTTP2_DATA_FLAG_NO_COPY).
//
// Abuse defences (each reported through SessionEvents::on_abuse; the
// driver counts them in strata_http2_abuse_total{kind=...}):
//   rapid_reset        client RST_STREAMs per second > h2_max_resets_per_second
//                      -> GOAWAY(ENHANCE_YOUR_CALM), session ends
//   continuation_flood CONTINUATION frames in one header block > h2_max_continuations
//                      -> GOAWAY(ENHANCE_YOUR_CALM), session ends
//   control_flood      SETTINGS/PING/PRIORITY (non-ACK) frames per second
//                      > h2_max_control_frames_per_second -> GOAWAY(ENHANCE_YOUR_CALM);
//                      nghttp2's outbound ACK queue is bounded by the same limit
//   header_list        request header list over max_header_bytes (HPACK size:
//                      name + value + 32 per field) or over max_headers fields
//                      -> 431 on that stream (headers beyond the limit are decoded
//                      for HPACK state but not stored); oversized trailers ->
//                      RST_STREAM(ENHANCE_YOUR_CALM)
//   refused_stream     a new stream while max concurrent streams (counting
//                      streams whose handler still runs) are live -> RST_STREAM(REFUSED_STREAM)
//   body_too_large     content-length over max_body -> 413; a streamed body
//                      crossing max_body -> read_body reports Overflow, the
//                      rest is discarded (and consumed for flow control)
//
// Thread: one connection's executor; not thread-safe. Events are called
// synchronously from receive()/send() and must not destroy the session.
#pragma once
#include <array>

#include "core/loop_clock.hpp"
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "codec/http2/stream_map.hpp"
#include "http/message.hpp"

struct nghttp2_session;

namespace strata::codec::http2 {

using StreamId = std::int32_t;

// HTTP/2 error codes used by callers (RFC 9113 section 7).
enum ErrorCode : std::uint32_t {
  kNoError = 0x0,
  kProtocolError = 0x1,
  kInternalError = 0x2,
  kRefusedStream = 0x7,
  kCancel = 0x8,
  kEnhanceYourCalm = 0xb,
};

// The limits the session enforces, filled by the driver from
// config::Limits (same field names and defaults; any struct with these
// fields converts, so the codec needs nothing from config/).
struct Limits {
  std::uint32_t max_header_bytes = 32 * 1024;  // header list (HPACK size) -> 431
  std::uint32_t max_headers = 100;             // fields -> 431
  std::uint64_t max_body = 64ull * 1024 * 1024;  // -> 413 / BodyState::overflow
  std::uint32_t h2_max_concurrent_streams = 128;
  std::uint32_t h2_initial_window = 1024 * 1024;  // per stream
  std::uint32_t h2_connection_window = 16 * 1024 * 1024;
  std::uint32_t h2_max_frame_size = 16384;
  std::uint32_t h2_max_resets_per_second = 100;
  std::uint32_t h2_max_control_frames_per_second = 1000;
  std::uint32_t h2_max_continuations = 32;
  bool h2_extended_connect = true;  // SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441)

  Limits() = default;
  template <class Source>
  Limits(const Source& l)  // NOLINT: implicit on purpose (config::Limits)
      : max_header_bytes(l.max_header_bytes),
        max_headers(l.max_headers),
        max_body(l.max_body),
        h2_max_concurrent_streams(l.h2_max_concurrent_streams),
        h2_initial_window(l.h2_initial_window),
        h2_connection_window(l.h2_connection_window),
        h2_max_frame_size(l.h2_max_frame_size),
        h2_max_resets_per_second(l.h2_max_resets_per_second),
        h2_max_control_frames_per_second(l.h2_max_control_frames_per_second),
        h2_max_continuations(l.h2_max_continuations),
        h2_extended_connect(l.h2_extended_connect) {}
};

// Abuse defences that fired (see the list above).
enum class Abuse : std::uint8_t {
  rapid_reset,
  continuation_flood,
  control_flood,
  header_list,
  body_too_large,
  refused_stream,
};
// "rapid_reset", "continuation_flood", ...: the metric label.
std::string_view abuse_name(Abuse a);
// The RFC 9113 name of an error code ("NO_ERROR", ...), "other" if unknown.
std::string_view error_name(std::uint32_t code);

class SessionEvents {
 public:
  virtual ~SessionEvents() = default;
  // Counters, for the driver's metrics (default: ignored).
  // strata_http2_abuse_total{kind}
  virtual void on_abuse(Abuse) {}
  // strata_http2_goaway_sent_total{code}
  virtual void on_goaway_sent(std::uint32_t code) {}
  // strata_http2_protocol_errors_total: the session failed on bad input
  virtual void on_protocol_error() {}
  // A request head is complete on `sid`; ServerSession::request(sid) holds
  // it. The stream stays known to the session until release(sid).
  virtual void on_request(StreamId sid) = 0;
  // Something a stream's handler may wait for changed: body bytes or end
  // arrived, response buffer space freed, or the stream closed/reset.
  // `user` is the pointer given to set_user(); only called when non-null.
  virtual void on_stream_wake(StreamId sid, void* user) = 0;
};

enum class BodyState { more, ended, overflow, reset };

class ServerSession {
 public:
  ServerSession(const Limits& limits, SessionEvents& events,
                const core::Clock& clock = core::LoopClock::instance());
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Queues the server SETTINGS and the connection WINDOW_UPDATE. Call once.
  void start();
  // h2c (RFC 7540 3.2): applies the client's HTTP2-Settings payload and
  // opens stream 1 (half-closed remote) carrying `req` with a complete
  // `body`. on_request(1) is called. False if the payload is malformed.
  bool upgrade(std::string_view settings_payload, http::Request req, std::string body);

  // Feeds received bytes. False when the session must end (fatal protocol
  // error or an abuse limit); send() may still yield a GOAWAY to flush.
  bool receive(std::span<const char> data);
  // Appends pending frames to `out` until about `max` bytes were added or
  // nothing is left. False on a fatal error.
  bool send(std::string& out, std::size_t max);
  bool want_read() const;
  bool want_write() const;
  // True once a terminating GOAWAY was queued or the session failed.
  bool failed() const { return failed_; }

  // --- per stream (sid must be known: after on_request, until release) ---
  http::Request& request(StreamId sid);
  void set_user(StreamId sid, void* user);
  // Copies buffered request body bytes into `buf`, returning how many, and
  // reopens flow control for them.
  std::size_t read_body(StreamId sid, std::span<char> buf);
  BodyState body_state(StreamId sid) const;
  const http::Headers* request_trailers(StreamId sid) const;
  // False when the stream can no longer send (closed or reset).
  bool writable(StreamId sid) const;
  // 1xx head.
  bool submit_interim(StreamId sid, const http::Response& r);
  // RFC 9218 default for a stream whose request had no `priority` field:
  // urgency 0..7 and incremental for the DATA scheduler. Ignored when a
  // PRIORITY_UPDATE for the stream already arrived; a later one still wins.
  void set_priority(StreamId sid, std::uint8_t urgency, bool incremental);
  // Final head. Adds `date`/`server` when absent. HEAD requests and
  // 204/304 responses get their body dropped.
  bool submit_response(StreamId sid, const http::Response& r, bool end_stream);
  // Appends body bytes to the stream's buffer (no limit here: the caller
  // waits on buffered() for backpressure).
  bool submit_data(StreamId sid, std::span<const char> data, bool end_stream);
  // Ends the response with a trailing HEADERS frame.
  bool submit_trailers(StreamId sid, const http::Headers& t);
  // Response bytes waiting in the stream buffer.
  std::size_t buffered(StreamId sid) const;
  void reset(StreamId sid, std::uint32_t code);
  // The application is done with `sid`; unread body is consumed.
  void release(StreamId sid);

  // --- connection ---
  // Graceful GOAWAY(NO_ERROR, last processed stream): streams already
  // accepted finish, new ones are refused. Idempotent.
  void shutdown();
  // GOAWAY(code) and end the session once it is sent.
  void terminate(std::uint32_t code);
  // Streams known to the session (open in nghttp2 or held by the app).
  std::size_t live_streams() const { return streams_.size(); }
  // Start (clock time) of the oldest request whose header block began but
  // was not dispatched yet; time_point::max() if none. For the driver's
  // timeouts.header (an unfinished header block stalls the connection).
  core::Clock::time_point oldest_pending_head() const;

  struct Stream;  // internal; public for the C callbacks

 private:
  friend struct Callbacks;
  Stream* find(StreamId sid) const;
  Stream* create(StreamId sid);
  void destroy(StreamId sid);
  void abuse(int kind);
  bool window_hit(std::uint32_t& count, core::Clock::time_point& start, std::uint32_t limit);
  void finish_head(Stream& s);
  void reject(Stream& s, int status);
  void build_nv(const http::Headers& h, bool with_date, const char* status,
                std::string* store = nullptr);

  nghttp2_session* s_ = nullptr;
  Limits limits_;
  SessionEvents& ev_;
  const core::Clock& clock_;
  static constexpr std::size_t kSpareStreams = 16;
  StreamMap<StreamId, Stream, kSpareStreams> streams_;  // ended streams' nodes reused
  std::vector<std::unique_ptr<Stream>> free_;   // recycled stream objects (kSpareStreams)
  std::string* out_ = nullptr;                  // during send()
  std::size_t out_limit_ = 0;
  bool failed_ = false;
  bool shutdown_ = false;
  // per-second windows
  std::uint32_t resets_ = 0;
  core::Clock::time_point resets_start_{};
  std::uint32_t controls_ = 0;
  core::Clock::time_point controls_start_{};
  // RFC 9218: streams a PRIORITY_UPDATE named before their HEADERS (the
  // last few; set_priority leaves them to the client's signal).
  std::array<StreamId, 8> idle_priority_{};
  std::size_t idle_priority_next_ = 0;
  // frame-header scanner for the CONTINUATION limit
  struct Scan {
    std::uint32_t preface_left = 24;
    std::uint32_t payload_left = 0;
    std::uint8_t hd[9] = {};
    std::uint32_t hd_len = 0;
    std::uint32_t continuations = 0;
  } scan_;
  std::size_t scan(std::span<const char> data);
  // scratch for header lists handed to nghttp2 (copied by nghttp2)
  struct NvScratch;
  std::unique_ptr<NvScratch> nv_;
};

}  // namespace strata::codec::http2

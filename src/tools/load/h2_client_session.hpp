// A minimal HTTP/2 client session over nghttp2 for the client tools: submit
// requests, feed received bytes, drain bytes to send. Does no I/O and knows
// nothing of timing: the caller owns the socket. Events are delivered
// synchronously from feed() to the Listener. Not thread-safe.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <list>
#include <utility>

struct nghttp2_session;

namespace strata::tools::load {

class H2ClientSession {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // The response HEADERS (final, non-1xx) arrived on `stream`.
    virtual void on_response_head(std::int32_t stream, int status) = 0;
    // One response header (only when capture_headers); names lower-case.
    virtual void on_header(std::int32_t stream, std::string_view name, std::string_view value) {}
    virtual void on_data(std::int32_t stream, std::size_t n) = 0;
    // The stream closed: `error_code` 0 means a complete response.
    virtual void on_close(std::int32_t stream, std::uint32_t error_code) = 0;
  };

  struct Settings {
    std::uint32_t initial_window = 1u << 24;      // per stream (SETTINGS)
    std::int32_t connection_window = 1 << 30;     // whole connection
    std::uint32_t max_concurrent_streams = 100;   // we advertise (server push off)
    bool capture_headers = false;
  };

  H2ClientSession(Listener& l, const Settings& s);
  ~H2ClientSession();
  H2ClientSession(const H2ClientSession&) = delete;
  H2ClientSession& operator=(const H2ClientSession&) = delete;

  // Queues a request; returns the stream id, or < 0 (nghttp2 error code).
  // `headers` are (name, value) pairs including the pseudo-headers; they
  // and `body` must stay alive until the stream closes.
  std::int32_t submit(std::span<const std::pair<std::string_view, std::string_view>> headers,
                      std::string_view body);
  // Processes received bytes; false on a protocol error (the connection is
  // then unusable; error() says why).
  bool feed(std::span<const char> in);
  // Appends every frame ready to send to `out`; false on a session error.
  bool drain(std::string& out);
  bool want_write() const;
  // False once both sides are done (GOAWAY processed, no streams).
  bool alive() const;
  // The server's SETTINGS_MAX_CONCURRENT_STREAMS (0x7fffffff before SETTINGS).
  std::uint32_t remote_max_streams() const;
  bool goaway_received() const { return goaway_; }
  const std::string& error() const { return error_; }
  // Sends GOAWAY(NO_ERROR) on the next drain().
  void terminate();

 private:
  friend struct H2Callbacks;
  struct Body {
    std::int32_t stream;
    std::string_view data;
    std::size_t off = 0;
  };
  Listener& l_;
  Settings s_;
  nghttp2_session* ng_ = nullptr;
  bool goaway_ = false;
  bool conn_error_ = false;
  std::string error_;
  std::list<Body> bodies_;  // in-flight request bodies (stable addresses)
};

}  // namespace strata::tools::load

// One request stream of a multiplexed connection (HTTP/2 or HTTP/3) as an
// http::Exchange, written once over the StreamSession API
// (conn/stream_session.hpp) and used by both drivers.
//
// `Conn` is the driver's connection (or HTTP/3 application) and provides:
//   using Session; using StreamId;
//   static constexpr kCancelCode, kInternalErrorCode   (stream error codes)
//   Session& session(); void kick();    (kick: output is ready to write)
//   bool dead() const;                  (the transport is gone)
//   const http::ConnInfo& info() const;
//   const boost::asio::any_io_executor& executor() const;
//   const ConnTime& time() const;
//   void on_head(const Snapshot*, http::Response&);  (edits a final head before it is queued)
//
// Full duplex: the request body reader and the response writer wait on
// separate Signals, so one coroutine may read while another writes; wake()
// (the session's on_stream_wake) notifies both, and each re-checks its own
// condition. At most one reader and one writer at a time.
//
// Timeouts: a read with no body progress for timeouts.body_idle resets the
// stream (kCancelCode) and fails with timed_out. Backpressure: send_body
// waits while the session holds more than limits.stream_buffer bytes.
// Thread: the connection's executor.
#pragma once
#include <memory>

#include <boost/asio/error.hpp>

#include "conn/server_context.hpp"
#include "conn/signal.hpp"

namespace strata::conn {

template <class Conn>
class StreamExchange final : public http::Exchange {
 public:
  using Session = typename Conn::Session;
  using StreamId = typename Conn::StreamId;
  using BodyState = decltype(std::declval<const Session&>().body_state(StreamId{}));

  StreamExchange(Conn& c, StreamId sid, std::shared_ptr<const Snapshot> snap)
      : c_(c),
        sid_(sid),
        snap_(std::move(snap)),
        read_signal_(c.executor(), c.time()),
        write_signal_(c.executor(), c.time()) {
    if (snap_ && snap_->config) {
      body_idle_ = snap_->config->timeouts.body_idle;
      stream_buffer_ = snap_->config->limits.stream_buffer;
    }
  }

  StreamId id() const { return sid_; }
  const std::shared_ptr<const Snapshot>& snapshot() const { return snap_; }
  // A request body over max_body was reported to the handler (413).
  bool body_overflow() const { return body_overflow_; }
  // The session's on_stream_wake, or the connection died.
  void wake() {
    read_signal_.notify();
    write_signal_.notify();
  }

  http::Request& request() override { return c_.session().request(sid_); }
  const http::ConnInfo& conn() const override { return c_.info(); }
  boost::asio::any_io_executor executor() const override { return c_.executor(); }

  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override {
    namespace asio = boost::asio;
    auto& s = c_.session();
    for (;;) {
      if (c_.dead()) co_return http::IoResult{asio::error::connection_reset, 0};
      if (std::size_t n = s.read_body(sid_, buf)) {
        c_.kick();  // flow-control credit may be due
        co_return http::IoResult{{}, n};
      }
      switch (s.body_state(sid_)) {
        case BodyState::ended:
          co_return http::IoResult{};
        case BodyState::overflow:
          body_overflow_ = true;
          co_return http::IoResult{make_error_code(boost::system::errc::message_size), 0};
        case BodyState::reset:
          co_return http::IoResult{asio::error::connection_reset, 0};
        case BodyState::more:
          break;
      }
      // A CONNECT stream is a tunnel: its silence is bounded by the tunnel's
      // own idle timeout (upstream/tunnel), not by timeouts.body_idle.
      const auto idle = request().method == "CONNECT" ? Signal::Clock::duration::max()
                                                      : Signal::Clock::duration(body_idle_);
      if (!co_await read_signal_.wait(idle)) {
        if (c_.dead()) co_return http::IoResult{asio::error::connection_reset, 0};
        if (std::size_t n = s.read_body(sid_, buf)) {
          c_.kick();
          co_return http::IoResult{{}, n};
        }
        if (s.body_state(sid_) == BodyState::more) {  // no progress for body_idle
          s.reset(sid_, Conn::kCancelCode);
          c_.kick();
          co_return http::IoResult{asio::error::timed_out, 0};
        }
      }
    }
  }

  const http::Headers* request_trailers() const override {
    return c_.session().request_trailers(sid_);
  }

  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    if (head_sent_) co_return not_permitted();
    if (c_.dead() || !c_.session().submit_interim(sid_, r)) co_return reset_error();
    c_.kick();
    co_return http::error_code{};
  }

  // The synchronous protocol: a head or body is handed to the session at
  // once; only a body that leaves more than limits.stream_buffer bytes
  // buffered waits (finish_send: until the peer's flow control drains it).
  bool sends_now() const override { return true; }

  bool send_head_now(http::Response& r, bool end_stream, http::error_code& ec) override {
    ec = {};
    if (head_sent_) {
      ec = not_permitted();
      return true;
    }
    c_.on_head(snap_.get(), r);
    if (c_.dead() || !c_.session().submit_response(sid_, r, end_stream)) {
      ec = reset_error();
      return true;
    }
    head_sent_ = true;
    finished_ = end_stream;
    c_.kick();
    return true;
  }

  bool send_body_now(std::span<const char> data, bool end_stream, http::error_code& ec) override {
    ec = {};
    if (!head_sent_ || finished_) {
      ec = not_permitted();
      return true;
    }
    auto& s = c_.session();
    if (c_.dead() || !s.submit_data(sid_, data, end_stream)) {
      ec = reset_error();
      return true;
    }
    finished_ = end_stream;
    c_.kick();
    return s.buffered(sid_) <= stream_buffer_;
  }

  // Backpressure: waits while the session holds more than stream_buffer bytes.
  boost::asio::awaitable<http::error_code> finish_send() override {
    auto& s = c_.session();
    while (s.buffered(sid_) > stream_buffer_) {
      if (c_.dead() || !s.writable(sid_)) co_return reset_error();
      co_await write_signal_.wait();
    }
    co_return http::error_code{};
  }

  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override {
    http::error_code ec;
    send_head_now(r, end_stream, ec);
    co_return ec;
  }

  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override {
    http::error_code ec;
    if (send_body_now(data, end_stream, ec)) co_return ec;
    co_return co_await finish_send();
  }

  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override {
    if (!head_sent_ || finished_) co_return not_permitted();
    if (c_.dead() || !c_.session().submit_trailers(sid_, t)) co_return reset_error();
    finished_ = true;
    c_.kick();
    co_return http::error_code{};
  }

  void set_priority(std::uint8_t urgency, bool incremental) override {
    if (!c_.dead()) c_.session().set_priority(sid_, urgency, incremental);
  }

  bool head_sent() const override { return head_sent_; }
  bool finished() const override { return finished_; }

  void reset() override {
    if (!c_.dead()) c_.session().reset(sid_, Conn::kInternalErrorCode);
    finished_ = true;
    c_.kick();
  }

 private:
  static http::error_code not_permitted() {
    return make_error_code(boost::system::errc::operation_not_permitted);
  }
  static http::error_code reset_error() { return boost::asio::error::connection_reset; }

  Conn& c_;
  StreamId sid_;
  std::shared_ptr<const Snapshot> snap_;
  Signal read_signal_;
  Signal write_signal_;
  std::chrono::milliseconds body_idle_ = config::Timeouts{}.body_idle;
  std::size_t stream_buffer_ = config::Limits{}.stream_buffer;
  bool head_sent_ = false;
  bool finished_ = false;
  bool body_overflow_ = false;
};

}  // namespace strata::conn

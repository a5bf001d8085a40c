// One multiplexed upstream HTTP/2 connection (h2c prior knowledge or TLS
// with ALPN h2): a ClientSession driven by a reader coroutine
// (transport.read_some -> session.receive) and a single writer coroutine
// (session.send -> transport.write, one write in flight, woken by kick()),
// plus an idle watchdog that closes the connection with GOAWAY(NO_ERROR)
// after `idle_timeout` without streams (no PINGs are sent).
//
// Streams: at most min(max_streams, peer SETTINGS_MAX_CONCURRENT_STREAMS)
// at once (has_room()). After a GOAWAY from the peer, or once closing or
// dead, the connection takes no new streams (usable() is false) while the
// streams it still carries finish.
//
// Lifetime: shared; the reader/writer/watchdog coroutines hold a reference,
// as does every H2Stream on it. Thread: the worker executor only.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "codec/http2/client_session.hpp"
#include "io/transport.hpp"
#include "upstream/pool/upstream_request.hpp"

namespace strata::obs {
class Gauge;
}

namespace strata::upstream::pool {

// Wakes the one coroutine that drives a stream. A notify with nobody
// waiting is remembered until the next wait.
class StreamWaker {
 public:
  explicit StreamWaker(const boost::asio::any_io_executor& ex);
  void notify();
  boost::asio::awaitable<void> wait();
  // Notified too on every notify() (the request-body side of a full-duplex
  // forward waits on its own waker); null: none.
  StreamWaker* also = nullptr;

 private:
  boost::asio::steady_timer t_;
  bool pending_ = false;
};

struct H2ConnOptions {
  codec::http2::ClientLimits limits;
  std::uint32_t max_streams = 100;                 // cluster h2_max_streams_per_connection
  std::chrono::milliseconds idle_timeout{60000};   // cluster idle_timeout
  std::size_t write_batch = 128 * 1024;            // bytes framed per transport write
  obs::Gauge* idle_gauge = nullptr;                // connections without streams
  obs::Gauge* busy_gauge = nullptr;                // connections carrying streams
};

class H2Conn final : public std::enable_shared_from_this<H2Conn>,
                     public codec::http2::ClientEvents {
 public:
  H2Conn(std::unique_ptr<io::Transport> t, const H2ConnOptions& opt);
  ~H2Conn() override;
  H2Conn(const H2Conn&) = delete;
  H2Conn& operator=(const H2Conn&) = delete;

  // Sends the preface/SETTINGS and spawns the coroutines. Call once.
  void start();

  bool usable() const { return !dead_ && !closing_ && !session_.goaway_received() && !session_.failed(); }
  bool dead() const { return dead_; }
  std::uint32_t capacity() const;
  std::uint32_t active() const { return active_; }
  bool has_room() const { return usable() && active_ < capacity(); }

  // Starts a request (the body, if any, follows via session()). `w` is
  // woken on every change of the stream. 0 when no stream could start.
  codec::http2::ClientStreamId open(const UpstreamRequest& req, bool end_stream, StreamWaker* w);
  // The stream's owner is done: releases it (RST_STREAM(CANCEL) if still
  // open) and frees its slot.
  void finish(codec::http2::ClientStreamId sid, StreamWaker* w);

  codec::http2::ClientSession& session() { return session_; }
  // Wakes the writer (after submitting data, trailers, resets or reading
  // body bytes that may reopen flow control).
  void kick();
  // Immediate close; every stream sees dead().
  void close();
  // Called when a slot frees up or the connection stops being usable.
  std::function<void()> on_change;

  // ClientEvents
  void on_stream_wake(codec::http2::ClientStreamId sid, void* user) override;
  void on_goaway(codec::http2::ClientStreamId last_sid, std::uint32_t code) override;
  void on_settings() override;
  void on_error(const char* kind) override;

 private:
  enum class GaugeState { none, idle, busy };
  boost::asio::awaitable<void> reader(std::shared_ptr<H2Conn> self);
  boost::asio::awaitable<void> writer(std::shared_ptr<H2Conn> self);
  boost::asio::awaitable<void> watchdog(std::shared_ptr<H2Conn> self);
  void set_gauge(GaugeState s);
  void mark_dead();
  void changed();

  std::unique_ptr<io::Transport> t_;
  H2ConnOptions opt_;
  codec::http2::ClientSession session_;
  boost::asio::steady_timer writer_timer_;
  boost::asio::steady_timer idle_timer_;
  std::string out_;
  std::vector<StreamWaker*> live_;
  std::uint32_t active_ = 0;
  std::chrono::steady_clock::time_point idle_since_;
  GaugeState gauge_ = GaugeState::none;
  bool dead_ = false;
  bool closing_ = false;
  bool started_ = false;
};

}  // namespace strata::upstream::pool

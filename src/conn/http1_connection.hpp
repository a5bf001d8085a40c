// The HTTP/1.1 connection driver: one coroutine per downstream connection
// that parses request heads (codec/http1), runs the snapshot's Handler once
// per request through the http::Exchange it implements, and serializes the
// responses. Requests are served strictly in order; pipelined requests wait
// in the read buffer and their (small, complete) responses are batched into
// one gathered write. Timeouts: timeouts.header (whole head), .idle
// (keep-alive wait), .body_idle (request body progress and each write).
// upgrade() (101 Switching Protocols) hands the transport to the handler,
// which then owns it; the connection ends when the handler returns.
// Bad input is answered with its status and "Connection: close", counted in
// strata_http1_bad_requests_total{reason}, then the connection closes.
// Full duplex: one coroutine may read the request body while another
// writes the response (reads never flush while a write is in flight; the
// read and write deadlines are separate). One reader and one writer.
// A handler that throws or leaves its response unfinished is handled and
// counted by the shared policy (conn/handler_policy.hpp). Time (deadlines,
// request start) comes from ServerContext::time().
// Parking: between requests, with nothing buffered (no pipelined bytes, no
// TLS bytes above the socket) and nothing to write, the driver coroutine
// ends and the connection parks. Plain TCP: the whole object goes; the fd,
// ConnInfo, keep and on_end become a record in the worker's parking store
// (conn/http1_parked.hpp), which builds a new connection on the fd when it
// is readable and closes it on the idle timeout or drain (a few hundred
// bytes per parked connection). TLS: the object stays, gives its
// per-request state back to the worker's pool (conn/http1_work.hpp),
// drops its snapshot, and waits for readability with a small completion
// handler (socket.async_wait) while the deadline watchdog (a timer
// completion handler, never a coroutine) keeps the idle deadline.
// Readability starts the driver again; the idle timeout or drain() closes
// the socket, which ends the wait. A parked connection holds no coroutine
// frame and no buffer. Gauge strata_http1_parked_connections counts both.
// Lifetime: the object owns itself (start_http1); the pending operation
// that will continue it (the driver's completion or the readability wait)
// holds the ownership, so destroying the io_context frees it.
// Over plain TCP a Content-Length body may come from a file region
// (http::FileBodySink): the head goes out at once, the region with
// sendfile(2) (http1_send_file.cpp).
// Everything runs on the connection's executor (one worker thread).
// Internal to conn/: other modules use conn::start_http1 / serve_http1().
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "conn/http1_park_sweeper.hpp"
#include "conn/http1_parked.hpp"
#include "conn/http1_work.hpp"
#include "conn/server_context.hpp"
#include "http/file_body.hpp"

namespace strata::conn {

class Http1Connection final : public Connection, public http::Exchange, public Parkable,
                              public http::FileBodySink {
 public:
  // Use start(): the object owns itself once started.
  Http1Connection(std::unique_ptr<io::Transport> t, ServerContext& ctx, http::ConnInfo info,
                  std::string initial, std::shared_ptr<void> keep, std::function<void()> on_end);
  ~Http1Connection() override;

  // Serves requests until the connection closes (then runs on_end and
  // frees itself) or upgrades to h2c (then serve_http2 takes over, and
  // on_end runs when it returns). Returns at once.
  void start();
  const http::ConnInfo& info() const { return info_; }

  // Connection
  void drain() override;
  // Parkable: the sweeper found it waiting for a request for park_after.
  void request_park() override;

  // http::Exchange
  http::Request& request() override { return w_->req; }
  const http::ConnInfo& conn() const override { return info_; }
  boost::asio::any_io_executor executor() const override { return executor_; }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override;
  const http::Headers* request_trailers() const override;
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override;
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override;
  // The synchronous protocol: the head is serialized into the write buffer
  // (it leaves with the first body bytes); a body or an end goes straight
  // into the socket, and only what the socket does not take waits in
  // finish_send() (under the write deadline). send_head/send_body are these
  // plus that wait.
  bool sends_now() const override { return true; }
  bool send_head_now(http::Response& r, bool end_stream, http::error_code& ec) override;
  bool send_body_now(std::span<const char> data, bool end_stream, http::error_code& ec) override;
  boost::asio::awaitable<http::error_code> finish_send() override;
  bool head_sent() const override { return head_sent_; }
  bool finished() const override { return finished_; }
  void reset() override;
  // http::FileBodySink: native on plain TCP for a Content-Length response
  // whose head is sent and body not finished.
  bool native_send_file() const override;
  boost::asio::awaitable<http::error_code> send_file(int fd, std::uint64_t offset, std::uint64_t len,
                                                     bool end_stream) override;
  // Sends the 101 and hands the transport away (see http::Exchange); the
  // serve loop then ends without touching it.
  boost::asio::awaitable<std::unique_ptr<io::Transport>> upgrade(http::Response& r101,
                                                                 std::string& leftover) override;

 private:
  enum class Deadline : std::uint8_t { none, header, idle, body, write };
  using time_point = core::Clock::time_point;
  struct Owner;  // move-only ownership of `this`, held by the pending continuation

  // The driver: serve_loop, then (unless parking) the close.
  boost::asio::awaitable<void> drive(Owner own);
  void spawn_driver();
  void park();
  // Plain TCP: hands the fd, info, keep and on_end to the worker's parking
  // store (conn/http1_parked.hpp) and lets this object go. False: park()
  // (TLS, or the store refused) with the socket intact.
  bool park_away();
  static void resume(const boost::asio::any_io_executor& ex, ServerContext& ctx, ParkedHttp1&& p);
  void on_readable(boost::system::error_code ec);
  void arm_watchdog();
  void on_watchdog();
  // Frees the connection (or hands it to h2c) once nothing is pending.
  void maybe_end();
  bool can_park() const;

  boost::asio::awaitable<void> serve_loop();
  void set_deadline(Deadline kind, std::chrono::milliseconds d);
  // The read deadline (header, idle, body); writes have their own, so a
  // handler may read the request body while another coroutine writes.
  void clear_deadline() { deadline_ = time_point::max(); deadline_kind_ = Deadline::none; }

  // Read buffer: unconsumed bytes are in[in_begin_, in_end_).
  std::string_view pending() const {
    return w_ ? std::string_view{w_->in.data() + in_begin_, in_end_ - in_begin_} : std::string_view{};
  }
  void consume(std::size_t n);
  std::string take_leftover();
  // Flushes queued output, then reads more bytes (growing the buffer up to
  // the head limits). False on EOF, error, timeout or close.
  boost::asio::awaitable<bool> fill(Deadline kind, std::chrono::milliseconds d);

  // Writes queued out plus `extra` in one gathered write.
  boost::asio::awaitable<http::error_code> write_out(std::span<const boost::asio::const_buffer> extra);
  boost::asio::awaitable<http::error_code> flush();
  // Ends the response queued in w_->out; it waits there (up to
  // kBatchLimit) when a pipelined request is already read.
  boost::asio::awaitable<http::error_code> end_response();
  // The synchronous halves of write_out / end_response: true when done
  // (everything went to the socket or was batched; `ec` says how it went),
  // false when `rest` is left for finish_write(). The buffers `extra`
  // points to must live until then. Saves the coroutine frames of the
  // usual case, where the socket takes the whole response at once.
  bool write_out_now(std::span<const boost::asio::const_buffer> extra, io::Transport::Rest& rest,
                     http::error_code& ec);
  bool end_response_now(io::Transport::Rest& rest, http::error_code& ec);
  boost::asio::awaitable<http::error_code> finish_write(const io::Transport::Rest& rest);

  void begin_request();
  boost::asio::awaitable<bool> read_head();
  boost::asio::awaitable<void> send_error(codec::http1::Error e);
  boost::asio::awaitable<void> send_simple(int status, bool close);
  boost::asio::awaitable<bool> drain_request_body();
  boost::asio::awaitable<bool> try_h2c();

  std::unique_ptr<io::Transport> t_;
  ServerContext& ctx_;
  http::ConnInfo info_;
  boost::asio::any_io_executor executor_;
  const ConnTime& time_;
  Timer timer_;
  std::shared_ptr<const Snapshot> snap_;   // null while parked
  std::shared_ptr<void> keep_;             // held for the life of the connection
  std::function<void()> on_end_;

  // Per-request state, from the worker's pool; null while parked.
  std::unique_ptr<Http1Work> w_;
  std::size_t in_begin_ = 0, in_end_ = 0;
  std::unique_ptr<H2cUpgrade> upgrade_;

  // Timeouts (lazy deadline: the watchdog re-arms to deadline_ on wake).
  time_point deadline_ = time_point::max();
  time_point armed_ = time_point::max();
  time_point write_deadline_ = time_point::max();
  Deadline deadline_kind_ = Deadline::none;
  Deadline timed_out_ = Deadline::none;
  bool writing_ = false;       // a write_out is in flight (reads must not flush)

  // Connection state.
  bool done_ = false;          // the driver ended for good
  bool draining_ = false;
  bool idle_ = false;          // waiting for the first byte of a request
  bool broken_ = false;        // transport unusable or framing lost: close now
  bool first_request_ = true;
  bool handed_off_ = false;    // transport given away by upgrade()
  bool park_ = false;          // serve_loop ended to park
  bool parked_ = false;        // the readability wait is pending
  bool parked_away_ = false;   // the fd went to the parking store: this object only ends
  bool woken_ = false;         // readable after parking: read, do not park again
  bool park_requested_ = false;  // the sweeper cancelled the idle read to park
  Http1ParkSweeper* sweeper_ = nullptr;  // the worker's sweeper, once first listed
  bool running_ = false;       // the driver coroutine is alive
  bool watching_ = false;      // a watchdog wait is pending

  // Per-exchange state.
  codec::http1::HeadFacts facts_;
  bool is_head_ = false;
  bool close_after_ = false;   // "connection: close" on this response
  bool continue_sent_ = false;
  bool head_sent_ = false;
  bool finished_ = false;
  bool resp_no_body_ = false;
  bool resp_chunked_ = false;
  bool resp_has_length_ = false;
  std::uint64_t resp_remaining_ = 0;
  int body_error_status_ = 0;  // 413/400 after a bad request body

  // Last: the context may call drain() from add(), which needs every
  // member above initialized.
  Registration reg_;
};

// Starts an HTTP/1.1 connection (returns at once). `ctx` must live until
// on_end runs; `keep` is held until then (the caller's context, snapshot,
// connection-limit ticket).
void start_http1(std::unique_ptr<io::Transport> t, ServerContext& ctx, http::ConnInfo info,
                 std::string initial, std::shared_ptr<void> keep, std::function<void()> on_end);

}  // namespace strata::conn

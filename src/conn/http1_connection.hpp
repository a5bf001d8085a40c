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
// Over plain TCP a Content-Length body may come from a file region
// (http::FileBodySink): the head goes out with MSG_MORE, the region with
// sendfile(2) (http1_send_file.cpp).
// Everything runs on the connection's executor (one worker thread).
// Internal to conn/: other modules use conn::serve_http1().
#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/request_parser.hpp"
#include "conn/server_context.hpp"
#include "http/file_body.hpp"

namespace strata::conn {

class Http1Connection final : public Connection, public http::Exchange, public http::FileBodySink {
 public:
  Http1Connection(std::unique_ptr<io::Transport> t, ServerContext& ctx, http::ConnInfo info,
                  std::string initial);
  ~Http1Connection() override;

  // Serves requests until the connection closes or upgrades to h2c.
  boost::asio::awaitable<void> run();
  // After run(): set when the connection switched to h2c; the caller then
  // takes the transport, upgrade and leftover bytes for serve_http2().
  bool upgraded() const { return upgrade_ != nullptr; }
  std::unique_ptr<io::Transport> take_transport() { return std::move(t_); }
  std::unique_ptr<H2cUpgrade> take_upgrade() { return std::move(upgrade_); }
  std::string take_leftover();
  const http::ConnInfo& info() const { return info_; }

  // Connection
  void drain() override;

  // http::Exchange
  http::Request& request() override { return req_; }
  const http::ConnInfo& conn() const override { return info_; }
  boost::asio::any_io_executor executor() const override { return executor_; }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override;
  const http::Headers* request_trailers() const override;
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override;
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override;
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

  boost::asio::awaitable<void> serve_loop();
  boost::asio::awaitable<void> watchdog();
  void set_deadline(Deadline kind, std::chrono::milliseconds d);
  // The read deadline (header, idle, body); writes have their own, so a
  // handler may read the request body while another coroutine writes.
  void clear_deadline() { deadline_ = time_point::max(); deadline_kind_ = Deadline::none; }

  // Read buffer: unconsumed bytes are in_[in_begin_, in_end_).
  std::string_view pending() const { return {in_.data() + in_begin_, in_end_ - in_begin_}; }
  void consume(std::size_t n);
  // Flushes queued output, then reads more bytes (growing the buffer up to
  // the head limits). False on EOF, error, timeout or close.
  boost::asio::awaitable<bool> fill(Deadline kind, std::chrono::milliseconds d);

  // Writes queued out_ plus `extra` in one gathered write.
  boost::asio::awaitable<http::error_code> write_out(std::span<const boost::asio::const_buffer> extra);
  boost::asio::awaitable<http::error_code> flush();
  // Ends the response; batches it when a pipelined request is waiting.
  boost::asio::awaitable<http::error_code> end_response(std::span<const char> tail);
  // The synchronous halves of write_out / end_response: true when done
  // (everything went to the socket or was batched; `ec` says how it went),
  // false when `rest` is left for finish_write(). The buffers `extra` and
  // `tail` point to must live until then. Saves the coroutine frames of the
  // usual case, where the socket takes the whole response at once.
  bool write_out_now(std::span<const boost::asio::const_buffer> extra, io::Transport::Rest& rest,
                     http::error_code& ec);
  bool end_response_now(std::span<const char> tail, io::Transport::Rest& rest, http::error_code& ec);
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
  std::shared_ptr<const Snapshot> snap_;
  config::Limits limits_;
  config::Timeouts timeouts_;

  std::string in_;
  std::size_t in_begin_ = 0, in_end_ = 0;
  std::string out_;           // serialized bytes not yet written

  codec::http1::RequestParser parser_;
  codec::http1::BodyDecoder decoder_;
  http::Request req_;
  http::Headers trailers_;
  std::unique_ptr<H2cUpgrade> upgrade_;

  // Timeouts (lazy deadline: the watchdog re-arms to deadline_ on wake).
  time_point deadline_ = time_point::max();
  time_point armed_ = time_point::max();
  Deadline deadline_kind_ = Deadline::none;
  Deadline timed_out_ = Deadline::none;
  time_point write_deadline_ = time_point::max();
  bool writing_ = false;       // a write_out is in flight (reads must not flush)

  // Connection state.
  bool done_ = false;
  bool draining_ = false;
  bool idle_ = false;          // waiting for the first byte of a request
  bool broken_ = false;        // transport unusable or framing lost: close now
  bool first_request_ = true;
  bool handed_off_ = false;    // transport given away by upgrade()

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
};

}  // namespace strata::conn

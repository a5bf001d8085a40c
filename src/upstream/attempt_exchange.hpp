// An http::Exchange decorator for one upstream try, so a request can be
// retried or sent to another tier after a failed try:
// - the request body is buffered (up to `max_replay` bytes, default 64 KiB)
//   as the first try reads it; later tries replay the buffer and then keep
//   reading from the client. Past the limit, replayable() turns false.
// - a response whose status `suppress` accepts is swallowed (head, body,
//   trailers) instead of relayed, so the next try can answer instead.
// - relayed responses get the `extra` header fields (x-strata-tier) and,
//   when capturing, a copy of head + body up to `capture_limit` bytes (for
//   the last-known-good store).
// Single-threaded, like the Exchange it wraps.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/exchange.hpp"
#include "io/transport.hpp"

namespace strata::upstream {

class AttemptExchange final : public http::Exchange {
 public:
  AttemptExchange(http::Exchange& inner, std::size_t max_replay = 64 * 1024)
      : inner_(inner), max_replay_(max_replay) {}

  // Starts a new try: replay from the start of the buffered body.
  void begin_try(std::function<bool(int status)> suppress);
  // Header fields added to a relayed response head.
  void set_extra_headers(std::vector<std::pair<std::string, std::string>> h) { extra_ = std::move(h); }
  void capture(std::size_t limit) { capture_limit_ = limit; }

  // After a try.
  bool replayable() const { return !overflowed_; }
  bool suppressed() const { return suppressed_status_ != 0; }
  int suppressed_status() const { return suppressed_status_; }
  bool relayed() const { return inner_.head_sent(); }
  // A complete captured response (status 200 relayed in full within the limit).
  struct Captured {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };
  std::optional<Captured> take_capture();

  // http::Exchange
  http::Request& request() override { return inner_.request(); }
  const http::ConnInfo& conn() const override { return inner_.conn(); }
  boost::asio::any_io_executor executor() const override { return inner_.executor(); }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override;
  const http::Headers* request_trailers() const override { return inner_.request_trailers(); }
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override;
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override;
  bool sends_now() const override { return inner_.sends_now(); }
  bool send_head_now(http::Response& r, bool end_stream, http::error_code& ec) override;
  bool send_body_now(std::span<const char> data, bool end_stream, http::error_code& ec) override;
  boost::asio::awaitable<http::error_code> finish_send() override { return inner_.finish_send(); }
  bool head_sent() const override { return suppressed_ ? true : inner_.head_sent(); }
  bool finished() const override { return suppressed_ ? swallowed_end_ : inner_.finished(); }
  void reset() override;
  // A tunnel needs the client's raw connection: pass straight through.
  boost::asio::awaitable<std::unique_ptr<io::Transport>> upgrade(http::Response& r101,
                                                                 std::string& leftover) override {
    return inner_.upgrade(r101, leftover);
  }
  http::RequestContext* context() override { return inner_.context(); }

 private:
  // The bookkeeping of send_head / send_body (both protocols); false when
  // the response is swallowed (suppress).
  bool pass_head(http::Response& r, bool end_stream);
  bool pass_body(std::span<const char> data, bool end_stream);

  http::Exchange& inner_;
  std::size_t max_replay_;
  std::string body_;            // buffered request body (first max_replay bytes)
  std::size_t pos_ = 0;         // replay position of this try
  bool body_done_ = false;      // client body fully read
  bool overflowed_ = false;     // body outgrew the buffer: no replay possible
  std::function<bool(int)> suppress_;
  bool suppressed_ = false;     // this try's response is being swallowed
  int suppressed_status_ = 0;
  bool swallowed_end_ = false;
  std::vector<std::pair<std::string, std::string>> extra_;
  std::size_t capture_limit_ = 0;
  bool capturing_ = false;
  Captured cap_;
  bool cap_complete_ = false;
};

}  // namespace strata::upstream

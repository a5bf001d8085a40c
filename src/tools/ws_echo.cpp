#include "tools/ws_echo.hpp"

#include <array>
#include <cstring>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "codec/websocket/handshake.hpp"
#include "io/transport.hpp"
#include "obs/metrics.hpp"
#include "tools/origin_handler.hpp"

namespace strata::tools {

namespace asio = boost::asio;

std::string ws_accept(std::string_view key) { return codec::websocket::accept_key(key); }

namespace {

enum Op : std::uint8_t { kCont = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

obs::Counter& protocol_errors() {
  static obs::Counter& c = obs::counter("strata_origin_ws_protocol_errors_total",
                                        "WebSocket frames the origin rejected (closed with 1002)");
  return c;
}

// Buffered reads over the transport, with a shared activity stamp for the
// idle watchdog.
class Reader {
 public:
  Reader(io::Transport& t, std::string initial) : t_(t), buf_(std::move(initial)) {}
  // Ensures at least n (<= 125 + 14) buffered bytes; false on EOF or error.
  asio::awaitable<bool> need(std::size_t n) {
    while (buf_.size() - pos_ < n) {
      if (pos_ > 0) {
        buf_.erase(0, pos_);
        pos_ = 0;
      }
      char tmp[4096];
      auto r = co_await t_.read_some(std::span<char>(tmp, sizeof tmp));
      if (r.ec || r.n == 0) co_return false;
      last = std::chrono::steady_clock::now();
      buf_.append(tmp, r.n);
    }
    co_return true;
  }
  const unsigned char* peek() const {
    return reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
  }
  void skip(std::size_t n) { pos_ += n; }
  // Up to `max` payload bytes: buffered ones first, else one read.
  asio::awaitable<std::size_t> some(char* out, std::size_t max) {
    if (pos_ < buf_.size()) {
      const std::size_t n = std::min(max, buf_.size() - pos_);
      std::memcpy(out, buf_.data() + pos_, n);
      pos_ += n;
      co_return n;
    }
    auto r = co_await t_.read_some(std::span<char>(out, max));
    if (r.ec) co_return 0;
    last = std::chrono::steady_clock::now();
    co_return r.n;
  }
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();

 private:
  io::Transport& t_;
  std::string buf_;
  std::size_t pos_ = 0;
};

std::size_t frame_header(std::uint8_t b0, std::uint64_t len, unsigned char (&h)[10]) {
  h[0] = b0;
  if (len < 126) {
    h[1] = std::uint8_t(len);
    return 2;
  }
  if (len <= 0xffff) {
    h[1] = 126;
    h[2] = std::uint8_t(len >> 8);
    h[3] = std::uint8_t(len);
    return 4;
  }
  h[1] = 127;
  for (int i = 0; i < 8; ++i) h[2 + i] = std::uint8_t(len >> (8 * (7 - i)));
  return 10;
}

asio::awaitable<bool> send_frame(io::Transport& t, std::uint8_t b0, std::string_view payload) {
  unsigned char h[10];
  const std::size_t hl = frame_header(b0, payload.size(), h);
  const std::array<asio::const_buffer, 2> bufs{asio::const_buffer(h, hl),
                                               asio::const_buffer(payload.data(), payload.size())};
  co_return !co_await t.write(bufs);
}

asio::awaitable<void> echo_loop(io::Transport& t, Reader& rd, bool& done) {
  std::vector<char> chunk(kOriginChunk);
  bool in_message = false;  // a fragmented data message is open
  const auto protocol_error = [&]() -> asio::awaitable<void> {
    protocol_errors().inc();
    static constexpr char k1002[] = {char(0x03), char(0xea)};
    (void)co_await send_frame(t, 0x80 | kClose, std::string_view(k1002, 2));
  };
  while (true) {
    if (!co_await rd.need(2)) break;
    const std::uint8_t b0 = rd.peek()[0], b1 = rd.peek()[1];
    const bool fin = b0 & 0x80;
    const std::uint8_t op = b0 & 0x0f;
    std::uint64_t len = b1 & 0x7f;
    const std::size_t ext = len == 126 ? 2 : len == 127 ? 8 : 0;
    if (!co_await rd.need(2 + ext + 4)) break;
    const unsigned char* p = rd.peek();
    if (ext) {
      len = 0;
      for (std::size_t i = 0; i < ext; ++i) len = (len << 8) | p[2 + i];
    }
    unsigned char mask[4];
    std::memcpy(mask, p + 2 + ext, 4);
    const bool control = op & 0x08;
    const bool known = op == kCont || op == kText || op == kBinary || op == kClose ||
                       op == kPing || op == kPong;
    if ((b0 & 0x70) || !(b1 & 0x80) || !known || (len >> 63) ||
        (control && (!fin || len > 125)) || (!control && (op == kCont) != in_message)) {
      co_await protocol_error();
      break;
    }
    rd.skip(2 + ext + 4);
    if (!control) {
      in_message = !fin;
      // Echo header first, then stream the payload unmasked.
      unsigned char h[10];
      const std::size_t hl = frame_header(std::uint8_t(b0 & 0x8f), len, h);
      if (co_await t.write(std::string_view(reinterpret_cast<char*>(h), hl))) break;
      std::uint64_t off = 0;
      bool ok = true;
      while (off < len) {
        const std::size_t want = std::size_t(std::min<std::uint64_t>(chunk.size(), len - off));
        const std::size_t n = co_await rd.some(chunk.data(), want);
        if (n == 0) {
          ok = false;
          break;
        }
        for (std::size_t i = 0; i < n; ++i) chunk[i] ^= char(mask[(off + i) & 3]);
        off += n;
        const asio::const_buffer b(chunk.data(), n);
        if (co_await t.write(std::span<const asio::const_buffer>(&b, 1))) {
          ok = false;
          break;
        }
      }
      if (!ok) break;
      continue;
    }
    std::string payload(std::size_t(len), '\0');
    if (len && !co_await rd.need(std::size_t(len))) break;
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = char(rd.peek()[i] ^ mask[i & 3]);
    rd.skip(std::size_t(len));
    if (op == kPing) {
      if (!co_await send_frame(t, 0x80 | kPong, payload)) break;
    } else if (op == kClose) {
      (void)co_await send_frame(t, 0x80 | kClose, payload.substr(0, std::min<std::size_t>(2, payload.size())));
      break;
    }
  }
  done = true;
}

asio::awaitable<void> idle_watch(io::Transport& t, Reader& rd, std::chrono::milliseconds idle,
                                 asio::steady_timer& timer, bool& done) {
  while (!done) {
    timer.expires_at(rd.last + idle);
    (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (done) break;
    if (std::chrono::steady_clock::now() >= rd.last + idle) {
      t.close();
      break;
    }
  }
}

asio::awaitable<void> echo_and_stop(io::Transport& t, Reader& rd, asio::steady_timer& timer,
                                    bool& done) {
  co_await echo_loop(t, rd, done);
  timer.cancel();
}

}  // namespace

asio::awaitable<void> ws_echo(io::Transport& t, std::string leftover,
                              std::chrono::milliseconds idle) {
  using namespace asio::experimental::awaitable_operators;
  Reader rd(t, std::move(leftover));
  asio::steady_timer timer(t.get_executor());
  bool done = false;
  co_await (echo_and_stop(t, rd, timer, done) && idle_watch(t, rd, idle, timer, done));
  if (t.is_open()) co_await t.shutdown();
}

}  // namespace strata::tools

// The coroutine WebSocket carrier (transport/ws_stream.hpp).
#include "hub/transport/ws_stream.hpp"

#include <array>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "conn/signal.hpp"
#include "hub/hub_metrics.hpp"
#include "hub/transport/ws_session.hpp"

namespace strata::hub::transport {
namespace {

namespace asio = boost::asio;

class StreamWs final : public WsSession {
 public:
  StreamWs(http::ByteStream& s, HubEnv& env, std::optional<codec::websocket::DeflateParams> d)
      : WsSession(env, d), stream_(s), signal_(s.executor()) {}

  // Reads until EOF / error / abort; then tells the writer side.
  asio::awaitable<void> read_loop() {
    std::array<char, 16 * 1024> buf;
    while (!stopped_ && !gone()) {
      auto r = co_await stream_.read_some(std::span<char>(buf.data(), buf.size()));
      if (stopped_) break;
      if (r.ec || r.n == 0) {
        on_transport_gone();
        break;
      }
      if (!close_sent()) on_bytes(std::span<char>(buf.data(), r.n));
    }
    reader_done_ = true;
    signal_.notify();
    reader_signal_.notify();
  }

  // After write_loop: abort the stream and wait until the reader is out.
  asio::awaitable<void> stop() {
    stopped_ = true;
    stream_.close();
    while (!reader_done_) co_await reader_signal_.wait();
    on_transport_gone();
  }

  asio::awaitable<void> write_loop() {
    std::string chunk;
    while (!gone()) {
      auto& q = out();
      if (!q.empty()) {
        chunk.clear();
        while (!q.empty() && chunk.size() < 64 * 1024) {
          auto f = q.front();
          chunk.append(f);
          q.consume(f.size());
        }
        if (co_await stream_.write(chunk)) {
          on_transport_gone();
          break;
        }
        continue;
      }
      if (close_sent()) {
        co_await stream_.shutdown_write();
        // Wait (bounded by the session's close timer) for the peer's end.
        while (!gone()) co_await signal_.wait();
        break;
      }
      co_await signal_.wait();
    }
  }

 protected:
  void kick() override { signal_.notify(); }
  void abort_transport() override {
    on_transport_gone();
    stream_.close();
    signal_.notify();
  }

 private:
  http::ByteStream& stream_;
  conn::Signal signal_;
  conn::Signal reader_signal_{stream_.executor()};
  bool stopped_ = false;
  bool reader_done_ = false;
};

}  // namespace

asio::awaitable<void> serve_stream_websocket(std::unique_ptr<http::ByteStream> stream, HubEnv& env,
                                             UrlParams params,
                                             std::optional<codec::websocket::DeflateParams> deflate,
                                             const char* transport) {
  auto& gauge = connections_gauge(transport);
  gauge.add();
  {
    auto ws = std::make_shared<StreamWs>(*stream, env, deflate);
    ws->start();
    ws->open(std::move(params));
    // The reader runs beside this writer; stop() makes sure it ended
    // before the stream (and, on h2/h3, the exchange under it) goes.
    asio::co_spawn(
        stream->executor(), [ws]() -> asio::awaitable<void> { co_await ws->read_loop(); },
        asio::detached);
    co_await ws->write_loop();
    co_await ws->stop();
  }
  gauge.sub();
}

}  // namespace strata::hub::transport

#include "upstream/tunnel/tunnel.hpp"

#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/tunnel.hpp"

namespace strata::upstream::tunnel {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

struct State {
  explicit State(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  clock::time_point last = clock::now();
  int running = 2;
  bool failed = false;
  bool timed_out = false;
};

void close_both(http::ByteStream& a, http::ByteStream& b) {
  a.close();
  b.close();
}

asio::awaitable<void> pump(http::ByteStream& from, http::ByteStream& to, std::size_t chunk,
                           State& st) {
  bool ok = true;
  std::vector<char> buf(chunk);
  while (!st.failed && !st.timed_out) {
    auto r = co_await from.read_some(std::span<char>(buf));
    if (st.failed || st.timed_out) break;
    if (!r.ec && r.n == 0) {
      co_await to.shutdown_write();
      break;
    }
    if (r.ec) {
      ok = false;
      break;
    }
    st.last = clock::now();
    if (co_await to.write(std::span<const char>(buf.data(), r.n))) {
      ok = false;
      break;
    }
    st.last = clock::now();
  }
  if (!ok && !st.timed_out && !st.failed) {
    st.failed = true;
    close_both(from, to);
  }
  if (--st.running == 0) st.timer.cancel();
}

asio::awaitable<void> idle_watch(http::ByteStream& a, http::ByteStream& b,
                                 std::chrono::milliseconds idle, State& st) {
  while (st.running > 0) {
    st.timer.expires_at(st.last + idle);
    (void)co_await st.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (st.running == 0) break;
    if (clock::now() >= st.last + idle) {
      st.timed_out = true;
      close_both(a, b);
      break;
    }
  }
}

}  // namespace

asio::awaitable<End> run(http::ByteStream& a, http::ByteStream& b, const Options& opt) {
  using namespace asio::experimental::awaitable_operators;
  State st(a.executor());
  const std::size_t chunk = opt.chunk ? opt.chunk : 16 * 1024;
  co_await (pump(a, b, chunk, st) && pump(b, a, chunk, st) && idle_watch(a, b, opt.idle, st));
  if (st.timed_out) co_return End::idle;
  if (st.failed) co_return End::error;
  co_return End::closed;
}

std::string_view end_name(End e) {
  switch (e) {
    case End::closed: return "closed";
    case End::error: return "error";
    case End::idle: return "idle";
  }
  return "error";
}

}  // namespace strata::upstream::tunnel

#include "upstream/tunnel/tunnel.hpp"

#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "io/transport.hpp"

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

void close_both(io::Transport& a, io::Transport& b) {
  a.close();
  b.close();
}

asio::awaitable<void> half_close(io::Transport& t) {
  if (!t.is_open()) co_return;
  if (t.tls()) {
    co_await t.shutdown();
    co_return;
  }
  boost::system::error_code ec;
  t.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> pump(io::Transport& from, io::Transport& to, std::string pending,
                           std::size_t chunk, State& st) {
  bool ok = true;
  if (!pending.empty()) ok = !co_await to.write(pending);
  std::vector<char> buf(chunk);
  while (ok && !st.failed && !st.timed_out) {
    auto r = co_await from.read_some(std::span<char>(buf));
    if (r.ec == asio::error::eof || (!r.ec && r.n == 0)) {
      co_await half_close(to);
      break;
    }
    if (r.ec) {
      ok = false;
      break;
    }
    st.last = clock::now();
    const asio::const_buffer b(buf.data(), r.n);
    if (co_await to.write(std::span<const asio::const_buffer>(&b, 1))) ok = false;
    st.last = clock::now();
  }
  if (!ok && !st.timed_out) {
    st.failed = true;
    close_both(from, to);
  }
  if (--st.running == 0) st.timer.cancel();
}

asio::awaitable<void> idle_watch(io::Transport& a, io::Transport& b, std::chrono::milliseconds idle,
                                 State& st) {
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

asio::awaitable<End> run(io::Transport& a, std::string a_pending, io::Transport& b,
                         std::string b_pending, const Options& opt) {
  using namespace asio::experimental::awaitable_operators;
  State st(a.get_executor());
  const std::size_t chunk = opt.chunk ? opt.chunk : 16 * 1024;
  co_await (pump(a, b, std::move(a_pending), chunk, st) &&
            pump(b, a, std::move(b_pending), chunk, st) && idle_watch(a, b, opt.idle, st));
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

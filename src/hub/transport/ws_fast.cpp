// The callback-driven h1 WebSocket carrier (transport/ws_fast.hpp).
#include "hub/transport/ws_fast.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "hub/hub_metrics.hpp"
#include "hub/transport/flush_queue.hpp"
#include "hub/transport/ws_session.hpp"

namespace strata::hub::transport {
namespace {

namespace asio = boost::asio;
using Socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

// One read buffer per worker thread, shared by all its fast connections.
std::span<char> worker_buffer() {
  thread_local std::array<char, 64 * 1024> buf;
  return {buf.data(), buf.size()};
}

class FastWs final : public WsSession, public std::enable_shared_from_this<FastWs> {
 public:
  FastWs(Socket sock, HubEnv& env, std::optional<codec::websocket::DeflateParams> deflate)
      : WsSession(env, deflate), sock_(std::move(sock)),
        gauge_(&connections_gauge("websocket_h1")), counter_(env.connections) {
    gauge_->add();
    // The TCP connection left its HTTP coroutine (which uncounted it) but
    // is still a downstream connection for limits.max_connections.
    if (counter_) counter_->fetch_add(1, std::memory_order_relaxed);
  }
  ~FastWs() override {
    gauge_->sub();
    if (counter_) counter_->fetch_sub(1, std::memory_order_relaxed);
  }

  void begin(std::string leftover, UrlParams params) {
    boost::system::error_code ec;
    sock_.non_blocking(true, ec);
    start();
    open(std::move(params));
    if (!leftover.empty() && !dead_) on_bytes(std::span<char>(leftover.data(), leftover.size()));
    if (!dead_) wait_read();
  }

  // Called by the worker's FlushQueue drain.
  void flush_now() {
    flush_posted_ = false;
    flush();
  }

 protected:
  void kick() override {
    if (flush_posted_ || write_waiting_ || dead_) return;
    flush_posted_ = true;
    // Batch: everything queued until the worker's drain reaches this
    // connection goes out in one writev (flush_queue.hpp: one drain per
    // worker, in slices that yield to the event loop).
    HubEnv& e = env();
    if (!e.flush_queue) e.flush_queue = &FlushQueue::of(sock_.get_executor().context());
    e.flush_queue->add(shared_from_this(), kFlushSlice);
  }

  void abort_transport() override { die(); }

 private:
  void wait_read() {
    sock_.async_wait(Socket::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->dead_) return;
      self->on_readable();
    });
  }

  void on_readable() {
    auto buf = worker_buffer();
    for (int rounds = 0; rounds < 16; ++rounds) {
      ssize_t n = ::recv(sock_.native_handle(), buf.data(), buf.size(), 0);
      if (n > 0) {
        if (half_closed_) continue;  // after our close frame: discard until EOF
        on_bytes(buf.first(static_cast<std::size_t>(n)));
        if (dead_) return;
        if (static_cast<std::size_t>(n) < buf.size()) break;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      // EOF or error: the peer is gone.
      on_transport_gone();
      die();
      return;
    }
    wait_read();
  }

  void flush() {
    if (dead_) return;
    auto& q = out();
    std::array<iovec, 64> iov;
    while (!q.empty()) {
      std::size_t cnt = q.gather(iov.data(), iov.size());
      ssize_t n = ::writev(sock_.native_handle(), iov.data(), static_cast<int>(cnt));
      if (n > 0) {
        q.consume(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        write_waiting_ = true;
        sock_.async_wait(Socket::wait_write, [self = shared_from_this()](boost::system::error_code ec) {
          self->write_waiting_ = false;
          if (ec || self->dead_) return;
          self->flush();
        });
        return;
      }
      on_transport_gone();
      die();
      return;
    }
    if (close_sent() && !half_closed_) {
      // The close frame is out: half-close and wait (bounded by the
      // session's 2 s close timer) for the peer's EOF.
      half_closed_ = true;
      ::shutdown(sock_.native_handle(), SHUT_WR);
    }
  }

  void die() {
    if (dead_) return;
    dead_ = true;
    on_transport_gone();
    boost::system::error_code ec;
    sock_.close(ec);  // pending waits complete with operation_aborted and drop their refs
  }

  Socket sock_;
  obs::Gauge* gauge_;
  std::atomic<std::int64_t>* counter_;
  bool flush_posted_ = false;
  bool write_waiting_ = false;
  bool half_closed_ = false;
  bool dead_ = false;
};

}  // namespace

std::size_t fast_websocket_object_size() { return sizeof(FastWs); }

void start_fast_websocket(asio::ip::tcp::socket sock, std::string leftover, HubEnv& env,
                          UrlParams params, std::optional<codec::websocket::DeflateParams> deflate) {
  // A socket bound to the worker's io_context executor: smaller than one
  // with a polymorphic executor.
  auto& ctx = static_cast<asio::io_context&>(asio::query(sock.get_executor(), asio::execution::context));
  boost::system::error_code ec;
  const auto proto = sock.local_endpoint(ec).protocol();
  if (ec) return;
  int fd = sock.release(ec);
  if (ec) return;
  Socket s(ctx.get_executor());
  s.assign(proto, fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  auto c = std::make_shared<FastWs>(std::move(s), env, deflate);
  c->begin(std::move(leftover), std::move(params));
}

}  // namespace strata::hub::transport

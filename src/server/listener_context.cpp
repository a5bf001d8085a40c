#include "server/listener_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "conn/accept.hpp"
#include "conn/http3_connection.hpp"
#include "conn/memory_trim.hpp"
#include "core/slab.hpp"
#include "quic/endpoint.hpp"

namespace strata::server {

namespace asio = boost::asio;

namespace {

// One open connection in the process count, kept alive with its listener.
struct ConnectionCount {
  ConnectionCount(std::shared_ptr<void> owner, std::atomic<std::int64_t>& count)
      : owner(std::move(owner)), count(count) {}
  ~ConnectionCount() { count.fetch_sub(1, std::memory_order_relaxed); }
  std::shared_ptr<void> owner;
  std::atomic<std::int64_t>& count;
};

}  // namespace
using asio::ip::tcp;

ListenerContext::ListenerContext(asio::any_io_executor ex, int fd, bool v6,
                                 std::atomic<std::int64_t>& process_connections)
    : acceptor_(ex), process_connections_(process_connections) {
  acceptor_.assign(v6 ? tcp::v6() : tcp::v4(), fd);
}

ListenerContext::~ListenerContext() = default;

void ListenerContext::add(conn::Connection* c) {
  conns_.insert(c);
  if (active_ && c->counted()) active_->add();
  if (draining_) c->drain();
}

void ListenerContext::remove(conn::Connection* c) {
  if (conns_.erase(c) && active_ && c->counted()) active_->sub();
}

void ListenerContext::start() {
  const auto& name = snapshot_->listener->name;
  active_ = &obs::gauge("strata_connections_active", "Open downstream connections", {{"listener", name}});
  accepted_ = &obs::counter("strata_connections_total", "Accepted downstream connections", {{"listener", name}});
  rejected_ = &obs::counter("strata_connections_rejected_total",
                            "Connections refused over limits.max_connections", {{"listener", name}});
  asio::co_spawn(acceptor_.get_executor(), [self = shared_from_this()] { return self->accept_loop(); },
                 asio::detached);
}

void ListenerContext::stop_accepting() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  if (quic_) quic_->stop();
}

void ListenerContext::attach_quic(int udp_fd, unsigned worker,
                                  std::shared_ptr<quic::EndpointGroup> group) {
  quic_ = std::make_shared<quic::Endpoint>(acceptor_.get_executor(), udp_fd, worker, group,
                                           conn::make_quic_host(shared_from_this()),
                                           process_connections_);
  group->set(worker, quic_, acceptor_.get_executor());
  // A QUIC connection's end counts like a TCP close for the heap trim:
  // without it the memory of 10,000 closed HTTP/3 connections stayed.
  quic_->on_connection_gone([ex = acceptor_.get_executor()] { conn::note_connection_closed(ex); });
  quic_->start();
}

void ListenerContext::detach_quic() {
  if (!quic_) return;
  quic_->drain();
  quic_.reset();
}

void ListenerContext::abandon_quic() {
  if (quic_) quic_->abandon();
  quic_.reset();
}

void ListenerContext::drain() {
  draining_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  if (quic_) quic_->drain();  // existing QUIC connections finish; the socket closes after them
  // drain() may remove connections from the set synchronously: copy first.
  std::vector<conn::Connection*> now(conns_.begin(), conns_.end());
  for (auto* c : now)
    if (conns_.count(c)) c->drain();
}

asio::awaitable<void> ListenerContext::accept_loop() {
  auto self = shared_from_this();
  asio::steady_timer backoff(acceptor_.get_executor());
  while (acceptor_.is_open()) {
    auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (!acceptor_.is_open() || ec == asio::error::operation_aborted) break;
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space) {
        // Out of file descriptors: back off instead of spinning.
        spdlog::warn("listener {}: accept: {}", snapshot_->listener->name, ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      continue;
    }
    auto snap = snapshot_;
    if (process_connections_.load(std::memory_order_relaxed) >= std::int64_t(snap->config->limits.max_connections)) {
      rejected_->inc();
      boost::system::error_code ignored;
      sock.close(ignored);
      continue;
    }
    accepted_->inc();
    process_connections_.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(
        acceptor_.get_executor(),
        [s = std::move(sock), self]() mutable -> asio::awaitable<void> {
          // Released when the connection ends, which for a parked HTTP/1.1
          // connection is after serve_connection returned. From a slab: it
          // lives as long as the connection (core/slab.hpp).
          std::shared_ptr<void> hold;
          try {
            hold = std::allocate_shared<ConnectionCount>(core::SlabAllocator<ConnectionCount>{}, self,
                                                         self->process_connections_);
          } catch (const std::bad_alloc&) {
            self->process_connections_.fetch_sub(1, std::memory_order_relaxed);
            co_return;  // the socket closes with the frame
          }
          try {
            co_await conn::serve_connection(std::move(s), self, std::move(hold));
          } catch (const std::exception& e) {
            spdlog::error("connection on {} ended by exception: {}", self->snapshot()->listener->name, e.what());
          }
        },
        asio::detached);
  }
}

}  // namespace strata::server

// Where an idle plain-TCP HTTP/1.1 keep-alive connection waits for its next
// request once it has parked (conn/http1_connection.hpp): not as a
// connection object but as a small record (the fd, its ConnInfo, what the
// connection keeps alive, its idle deadline; over TLS also the SSL object
// of its hibernated transport: io/tls_park.hpp) in a per-worker slot table.
// The Asio socket, the driver object, its timer and its per-request state
// are all freed; the fd sits in one per-worker epoll set (level-triggered,
// so a byte that arrives at any time is seen), watched through a single
// posix::stream_descriptor. When an fd becomes readable its record leaves
// the table and `resume` builds a fresh connection on it (a new socket
// wrapping the same fd). EOF and errors are readability too: the resumed
// connection reads them and closes.
// Idle timeout: per (worker, ServerContext) group, records sit in FIFO
// lanes by idle timeout (so each lane is in deadline order) and one
// conn::Timer on the context's clock (fake in tests) fires at the earliest
// head; expired records are closed (counted as idle timeouts).
// Drain: each group registers with its ServerContext as one Connection
// (not counted as an open connection: ServerContext::parked() counts the
// records instead); its drain() closes every record of the group at once.
// Closing a record closes the fd, then destroys `keep` and runs `on_end`
// from a posted handler (never inside the caller's drain loop).
// Gauge strata_http1_parked_connections counts records (all workers).
// Thread: the worker's io_context thread only. The store is an Asio
// service; its shutdown frees every record (fd closed, on_end run).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "conn/server_context.hpp"
#include "http/message.hpp"
#include "io/tls_park.hpp"

namespace strata::conn {

// A connection's ConnInfo as a parked record keeps it: its strings in one
// buffer (inline up to kInline bytes together, as loopback or IPv4
// addresses and a short listener name are; one heap block beyond), 80
// bytes in place of ConnInfo's 288 (eight std::string).
class PackedConnInfo {
 public:
  static constexpr std::size_t kInline = 40;
  PackedConnInfo() = default;
  PackedConnInfo(PackedConnInfo&& o) noexcept;  // leaves `o` empty
  PackedConnInfo& operator=(PackedConnInfo&& o) noexcept;
  // False (nothing packed) when one field is longer than 65,535 bytes; the
  // connection then does not park.
  bool pack(const http::ConnInfo& i);
  http::ConnInfo unpack() const;

 private:
  static constexpr std::size_t kStrings = 8;
  const char* data() const { return heap_ ? heap_.get() : inline_; }
  std::uint64_t id_ = 0;
  std::unique_ptr<char[]> heap_;
  std::uint16_t peer_port_ = 0, local_port_ = 0;
  std::uint16_t len_[kStrings]{};
  bool tls_ = false, verified_ = false;
  char inline_[kInline]{};
};

// What a parked connection keeps. `fd` is owned by the store once parked.
struct ParkedHttp1 {
  int fd = -1;
  bool v6 = false;                   // address family of the socket
  PackedConnInfo info;
  std::shared_ptr<void> keep;        // context, snapshot, connection slot
  std::function<void()> on_end;      // run when the connection ends for good
  io::ParkedTls tls{nullptr, nullptr};  // TLS: the hibernated SSL (freed with the record)
};

// Builds a serving connection on a woken record (a new socket over `fd`).
using ResumeHttp1 = void (*)(const boost::asio::any_io_executor& ex, ServerContext& ctx,
                             ParkedHttp1&& p);

// Parks `p` on `ex`'s worker until its fd is readable (then `resume` runs),
// `idle` passes on ctx.time()'s clock, or ctx drains. False (nothing taken)
// when the fd cannot join the epoll set; the caller then keeps it.
bool park_http1(const boost::asio::any_io_executor& ex, ServerContext& ctx, ParkedHttp1& p,
                std::chrono::milliseconds idle, ResumeHttp1 resume);

// Records parked on this thread's io_context `ex` (tests).
std::size_t parked_http1_count(const boost::asio::any_io_executor& ex);

}  // namespace strata::conn

// A byte stream to a peer: plain TCP or TLS over TCP, downstream or upstream.
// Codecs' connection drivers (conn/) and upstream pools speak only to this,
// so nothing above io/ knows whether TLS is in use. Not thread-safe: use on
// the owning worker's executor. At most one read and one write outstanding.
#pragma once
#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "core/io_result.hpp"
#include "io/peer_cert.hpp"

namespace strata::io {

class Transport {
 public:
  virtual ~Transport() = default;
  // Reads what is available (at least one byte) or fails; eof is an error.
  // Sees an EOF or reset that arrived with the previous read's bytes at
  // once (plain TCP: after a short read, one non-blocking recv first).
  virtual boost::asio::awaitable<core::IoResult> read_some(std::span<char> buf) = 0;
  // read_some for a turn-taking read: the peer sends nothing new until it
  // has what we just wrote (the next request on a keep-alive connection, an
  // upstream's response head). Plain TCP: after a short read it issues no
  // recv until the socket's next readiness edge (io/edge_read.hpp), so it
  // never returns EAGAIN; the price: an EOF or reset that came together
  // with the previous read's bytes shows only with the next edge or the
  // caller's deadline. Default: read_some.
  virtual boost::asio::awaitable<core::IoResult> read_turn(std::span<char> buf) { return read_some(buf); }
  // Writes every byte of `bufs` (gathered write).
  virtual boost::asio::awaitable<boost::system::error_code> write(
      std::span<const boost::asio::const_buffer> bufs) = 0;
  // A coroutine so `b` lives until the write completes (`s` must, too).
  boost::asio::awaitable<boost::system::error_code> write(std::string_view s) {
    const boost::asio::const_buffer b(s.data(), s.size());
    co_return co_await write(std::span<const boost::asio::const_buffer>(&b, 1));
  }
  // Writes what the socket takes now, without waiting and without a trip
  // through the event loop (plain TCP: one sendmsg with MSG_DONTWAIT, or,
  // up to 16 KiB, a copy into the worker's send batch, io/send_batch.hpp,
  // which goes out before the worker next waits for events): returns the
  // bytes written; fewer than asked with `ec` clear or would_block means
  // "write the rest with write()". TLS writes nothing here (would_block).
  // Only when no write() is in flight.
  virtual std::size_t write_now(std::span<const boost::asio::const_buffer> bufs,
                                boost::system::error_code& ec) {
    ec = boost::asio::error::would_block;
    return 0;
  }
  // What is left of a gathered write after write_now (at most kMaxPieces pieces).
  struct Rest {
    static constexpr std::size_t kMaxPieces = 16;
    std::array<boost::asio::const_buffer, kMaxPieces> bufs;
    std::size_t n = 0;
    std::span<const boost::asio::const_buffer> span() const { return {bufs.data(), n}; }
  };
  // write_now(bufs), then what is left in `rest` (empty: all written or a
  // hard error in `ec`; more than kMaxPieces non-empty buffers is
  // invalid_argument, nothing written). The caller co_awaits write(rest.span()) when
  // rest.n > 0. Saves a coroutine frame and an event-loop turn per write
  // whenever the socket buffer has room (almost always).
  void write_some_now(std::span<const boost::asio::const_buffer> bufs, Rest& rest,
                      boost::system::error_code& ec);
  // Waits until every byte written so far is with the kernel (plain TCP:
  // out of the send batch, and any rest the batch handed back written);
  // before the socket is used directly (sendfile, a move, a half-close).
  virtual boost::asio::awaitable<boost::system::error_code> flush() { co_return boost::system::error_code{}; }
  // True while written bytes are not yet with the kernel (see flush()).
  virtual bool writes_pending() const { return false; }
  // Graceful close: TLS close_notify (bounded in time) then TCP shutdown.
  virtual boost::asio::awaitable<void> shutdown() = 0;
  // Immediate close; pending operations complete with operation_aborted.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  virtual boost::asio::any_io_executor get_executor() = 0;
  virtual bool tls() const = 0;
  virtual std::string alpn() const = 0;   // negotiated ALPN or ""
  virtual std::string sni() const = 0;    // server name the client asked for
  // Server side: the client certificate (mTLS); empty for plain TCP.
  virtual PeerCertificate peer_certificate() const { return {}; }
  // The socket. Plain TCP: puts the send batch's bytes for it on the wire
  // first; a rest still being written shows in writes_pending().
  virtual boost::asio::ip::tcp::socket& lowest_layer() = 0;
  // The socket for waits and cancel() only (no flush; never to write, move
  // or close it).
  virtual boost::asio::ip::tcp::socket& socket_for_waits() { return lowest_layer(); }
  // True when bytes already taken from the socket wait above it (TLS
  // records or plaintext OpenSSL holds): a reader must read rather than
  // wait for the socket's readability. Plain TCP: never.
  virtual bool buffered() const { return false; }
  // Frees what the transport keeps between uses while its connection
  // idles. TLS: the write coalescing buffer, and when nothing is buffered
  // the whole Asio ssl::stream (record buffers, BIO pair: ~70 KB); the SSL
  // and the socket stay and the next read or write rebuilds the stream.
  // lowest_layer() stays valid for waits in between. Never during a read
  // or write.
  virtual void release_buffers() {}
};

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// True for a TLS transport hibernating after release_buffers() (tests).
bool tls_hibernating(const Transport& t);

std::unique_ptr<Transport> make_tcp_transport(boost::asio::ip::tcp::socket s);
// `s` must have completed its handshake.
std::unique_ptr<Transport> make_tls_transport(std::unique_ptr<TlsStream> s);

}  // namespace strata::io

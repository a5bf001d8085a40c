#include "io/transport.hpp"
#include "io/tls_park.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/frame_allocator.hpp"
#include "io/edge_read.hpp"
#include "io/peer_cert.hpp"
#include "io/send_batch.hpp"
#include "obs/metrics.hpp"

namespace strata::io {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

class TcpTransport final : public Transport, private BatchedSocket {
 public:
  explicit TcpTransport(tcp::socket s) : s_(std::move(s)) {}
  ~TcpTransport() override {
    if (batch_queued()) SendBatch::forget(*this);
  }
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  // After a short read Asio's reactor holds the next read until the
  // socket's next edge (io/edge_read.hpp); an EOF or reset that arrived
  // with those bytes raises none, so read_some tries one recv first then.
  // Otherwise it is Asio's own read (speculative, as before io/edge_read).
  asio::awaitable<core::IoResult> read_some(std::span<char> buf) override {
    if (!maybe_drained_) return plain_read(buf);
    return checked_read(buf);
  }

  asio::awaitable<core::IoResult> plain_read(std::span<char> buf) {
    return s_.async_read_some(asio::buffer(buf.data(), buf.size()),
                              asio::deferred([this](boost::system::error_code ec, std::size_t n) {
                                maybe_drained_ = false;
                                return asio::deferred.values(core::IoResult{ec, n});
                              }))(asio::use_awaitable);
  }

  asio::awaitable<core::IoResult> read_turn(std::span<char> buf) override { return edge_read(buf); }

  // Not a coroutine: the read's own awaitable, its result mapped by a
  // deferred continuation, so a read costs no wrapper frame. Its operation
  // comes from core/frame_pool (bound allocator), not Asio's 8-block
  // per-thread cache: with hundreds of upstream reads in flight (h2
  // clients' streams) that cache missed and each read was a memalign and a
  // free.
  asio::awaitable<core::IoResult> edge_read(std::span<char> buf) {
    return s_.async_read_some(EdgeReadBuffer{asio::mutable_buffer(buf.data(), buf.size())},
                              asio::deferred([this, size = buf.size()](boost::system::error_code ec, std::size_t n) {
                                maybe_drained_ = ec || n < size;
                                return asio::deferred.values(core::IoResult{ec, n});
                              }))(asio::bind_allocator(core::FrameAllocator<void>{}, asio::use_awaitable));
  }

  asio::awaitable<core::IoResult> checked_read(std::span<char> buf) {
    for (;;) {
      const ssize_t r = ::recv(s_.native_handle(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (r > 0) {
        maybe_drained_ = std::size_t(r) < buf.size();
        co_return core::IoResult{{}, std::size_t(r)};
      }
      if (r == 0) co_return core::IoResult{asio::error::eof, 0};
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        co_return core::IoResult{boost::system::error_code(errno, boost::system::system_category()), 0};
      note_read_would_block();
      break;
    }
    co_return co_await plain_read(buf);
  }

  asio::awaitable<boost::system::error_code> write(std::span<const asio::const_buffer> bufs) override {
    if (auto ec = co_await flush()) co_return ec;
    auto [ec, n] = co_await asio::async_write(s_, bufs, use_tuple);
    co_return ec;
  }

  asio::awaitable<boost::system::error_code> flush() override {
    SendBatch::flush_for(*this);
    while (rest_) {
      rest_->drained.expires_at(asio::steady_timer::time_point::max());
      (void)co_await rest_->drained.async_wait(use_tuple);  // the rest's handler cancels it
    }
    co_return write_ec_;
  }

  bool writes_pending() const override { return batch_queued() || rest_; }

  std::size_t write_now(std::span<const asio::const_buffer> bufs, boost::system::error_code& ec) override {
    if (write_ec_ || rest_) {  // a batched send failed, or its rest is still being written
      ec = write_ec_ ? write_ec_ : boost::system::error_code(asio::error::would_block);
      return 0;
    }
    std::size_t total = 0;
    for (const auto& b : bufs) total += b.size();
    if (SendBatch::add(*this, bufs, total)) {
      ec.clear();
      return total;
    }
    SendBatch::flush_for(*this);  // what the batch holds for us goes first
    if (write_ec_ || rest_) {
      ec = write_ec_ ? write_ec_ : boost::system::error_code(asio::error::would_block);
      return 0;
    }
    std::array<iovec, Rest::kMaxPieces> iov;
    std::size_t n = 0;
    for (const auto& b : bufs) {
      if (n == iov.size()) break;
      iov[n].iov_base = const_cast<void*>(b.data());
      iov[n].iov_len = b.size();
      ++n;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = n;
    for (;;) {
      // One buffer: send(2), which skips sendmsg's copy of the header and
      // iovec array from user space.
      const ssize_t r =
          n == 1 ? ::send(s_.native_handle(), iov[0].iov_base, iov[0].iov_len, MSG_DONTWAIT | MSG_NOSIGNAL)
                 : ::sendmsg(s_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (r >= 0) {
        ec.clear();
        return std::size_t(r);
      }
      if (errno == EINTR) continue;
      ec = (errno == EAGAIN || errno == EWOULDBLOCK)
               ? boost::system::error_code(asio::error::would_block)
               : boost::system::error_code(errno, boost::system::system_category());
      return 0;
    }
  }

  asio::awaitable<void> shutdown() override {
    boost::system::error_code ec;
    SendBatch::flush_for(*this);
    if (rest_) {  // the last bytes first, for as long as the drain below may take
      rest_->drained.expires_after(std::chrono::milliseconds(500));
      (void)co_await rest_->drained.async_wait(use_tuple);
      if (rest_) s_.close(ec);  // the peer does not read: give up, as a write deadline would
    }
    s_.shutdown(tcp::socket::shutdown_send, ec);
    // Drain what the peer still sends for a moment so the close is clean
    // (avoids RST eating our last response), bounded in time and bytes.
    asio::steady_timer t(s_.get_executor());
    t.expires_after(std::chrono::milliseconds(500));
    t.async_wait([this](boost::system::error_code e) {
      if (!e) s_.close();
    });
    char buf[4096];
    for (int i = 0; i < 64 && s_.is_open(); ++i) {
      auto r = co_await read_some(std::span<char>(buf, sizeof buf));
      if (r.ec) break;
    }
    t.cancel();
    s_.close(ec);
  }

  void close() override {
    if (batch_queued()) SendBatch::forget(*this);  // sent, as a write before close always was
    boost::system::error_code ec;
    s_.close(ec);
  }
  bool is_open() const override { return s_.is_open(); }
  asio::any_io_executor get_executor() override { return s_.get_executor(); }
  bool tls() const override { return false; }
  std::string alpn() const override { return {}; }
  std::string sni() const override { return {}; }
  tcp::socket& lowest_layer() override {
    SendBatch::flush_for(*this);
    return s_;
  }
  tcp::socket& socket_for_waits() override { return s_; }

 private:
  // BatchedSocket: the send batch's view of this transport.
  int batch_fd() const override { return s_.is_open() ? const_cast<tcp::socket&>(s_).native_handle() : -1; }
  void batch_rest(std::string_view data, std::size_t sent, int err) override {
    if (err) {  // the peer is gone (reset, broken pipe): the next write or read reports it
      write_ec_ = boost::system::error_code(err, boost::system::system_category());
      return;
    }
    // The socket's buffer is full (a peer that does not read): the rest is
    // written through the event loop; write_now refuses and write() and
    // flush() wait until it is out.
    batch_rests().inc();
    rest_ = std::make_shared<Unsent>(s_.get_executor(), data.substr(sent));
    asio::async_write(s_, asio::buffer(rest_->bytes),
                      [this, alive = std::weak_ptr<Unsent>(rest_)](boost::system::error_code ec, std::size_t) {
                        if (alive.expired()) return;  // closed: the transport may be gone
                        if (ec) write_ec_ = ec;
                        auto done = std::move(rest_);
                        done->drained.cancel();  // wakes flush() and shutdown()
                      });
  }
  static obs::Counter& batch_rests() {
    static auto& c = obs::counter("strata_send_batch_rests_total",
                                  "batched sends the socket took only in part (a peer not reading); "
                                  "the rest was written through the event loop");
    return c;
  }

  struct Unsent {
    Unsent(asio::any_io_executor ex, std::string_view b) : bytes(b), drained(std::move(ex)) {}
    std::string bytes;
    asio::steady_timer drained;
  };

  tcp::socket s_;
  bool maybe_drained_ = false;  // the last read was short: Asio may hold the next until an edge
  boost::system::error_code write_ec_;  // a batched send failed
  std::shared_ptr<Unsent> rest_;          // a batched send's rest, being written
};

// While its connection idles (release_buffers()), a TLS transport
// hibernates: it keeps the SSL object (one more reference) and the socket
// and destroys Asio's ssl::stream, whose two 17 KiB record buffers and BIO
// pair (another 2 x 17 KiB, one half of it owned by the SSL and detached
// from it here) are most of an idle TLS connection's memory;
// the next read or write builds a stream around the same SSL again (a
// fresh BIO pair). Only when nothing is buffered in either direction (no
// record or plaintext held by OpenSSL, nothing in the BIO pair) and no
// Asio verify callback owns the SSL's app data (upstream streams).
// strata_tls_hibernating_connections counts them (all workers).
obs::Gauge& hibernating_gauge() {
  static auto& g = obs::gauge("strata_tls_hibernating_connections",
                              "idle TLS connections holding only their SSL object and socket "
                              "(Asio's stream and its buffers released)");
  return g;
}

class TlsTransport final : public Transport {
 public:
  explicit TlsTransport(std::unique_ptr<TlsStream> s) : s_(std::move(s)) {}
  // Hibernated from the start: a parked connection's socket and SSL (one
  // reference, already counted as hibernating).
  TlsTransport(tcp::socket sock, SSL* ssl) : sock_(std::move(sock)), ssl_(ssl) {}
  ~TlsTransport() override {
    if (!ssl_) return;
    SSL_free(ssl_);
    hibernating_gauge().sub();
  }
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  asio::awaitable<core::IoResult> read_some(std::span<char> buf) override {
    if (!s_) {
      // Hibernated: a peer that left (the usual end of an idle connection)
      // is seen without rebuilding the stream and its buffers, which for
      // many idle connections closing at once would cost ~70 KB each.
      if (auto ec = peek_closed()) co_return core::IoResult{ec, 0};
    }
    wake();
    auto [ec, n] = co_await s_->async_read_some(asio::buffer(buf.data(), buf.size()), use_tuple);
    co_return core::IoResult{ec, n};
  }

  asio::awaitable<boost::system::error_code> write(std::span<const asio::const_buffer> bufs) override {
    wake();
    // ssl::stream encrypts one buffer at a time; coalesce small gathers so a
    // response head and its body leave in one TLS record where possible.
    std::size_t total = 0;
    for (const auto& b : bufs) total += b.size();
    if (bufs.size() > 1 && total <= 16384) {
      scratch_.clear();
      for (const auto& b : bufs) scratch_.append(static_cast<const char*>(b.data()), b.size());
      auto [ec, n] = co_await asio::async_write(*s_, asio::buffer(scratch_), use_tuple);
      co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(*s_, bufs, use_tuple);
    co_return ec;
  }

  asio::awaitable<void> shutdown() override {
    if (!s_ && peer_closed_) {  // hibernated and the peer has gone: no close_notify to send
      close();
      co_return;
    }
    wake();
    // close_notify, bounded: a peer that never answers must not hold us.
    asio::steady_timer t(s_->get_executor());
    t.expires_after(std::chrono::milliseconds(500));
    t.async_wait([this](boost::system::error_code e) {
      if (!e) close();
    });
    (void)co_await s_->async_shutdown(use_tuple);
    t.cancel();
    close();
  }

  void close() override {
    boost::system::error_code ec;
    lowest_layer().close(ec);
  }
  bool is_open() const override { return s_ ? s_->lowest_layer().is_open() : sock_->is_open(); }
  asio::any_io_executor get_executor() override { return s_ ? s_->get_executor() : sock_->get_executor(); }
  bool tls() const override { return true; }
  std::string alpn() const override {
    const unsigned char* p = nullptr;
    unsigned len = 0;
    SSL_get0_alpn_selected(ssl(), &p, &len);
    return p ? std::string(reinterpret_cast<const char*>(p), len) : std::string();
  }
  std::string sni() const override {
    const char* n = SSL_get_servername(ssl(), TLSEXT_NAMETYPE_host_name);
    return n ? std::string(n) : std::string();
  }
  PeerCertificate peer_certificate() const { return peer_certificate_of(ssl()); }
  tcp::socket& lowest_layer() override { return s_ ? s_->next_layer() : *sock_; }
  // Records OpenSSL holds (decrypted or not) or bytes in the BIO pair that
  // Asio's stream fed from the socket but OpenSSL has not read yet.
  bool buffered() const override {
    if (!s_) return false;  // hibernated only with nothing held
    SSL* ssl = s_->native_handle();
    if (SSL_has_pending(ssl)) return true;
    BIO* rbio = SSL_get_rbio(ssl);
    return rbio && BIO_ctrl_pending(rbio) > 0;
  }
  void release_buffers() override {
    std::string().swap(scratch_);
    hibernate();
  }
  bool hibernating() const { return !s_; }
  // Hibernated only: the SSL leaves (its reference and its count), the socket stays.
  SSL* take_ssl() { return std::exchange(ssl_, nullptr); }
  void give_ssl(SSL* ssl) { ssl_ = ssl; }

 private:
  SSL* ssl() const { return s_ ? s_->native_handle() : ssl_; }

  void hibernate() {
    if (!s_ || buffered()) return;
    SSL* ssl = s_->native_handle();
    BIO* wbio = SSL_get_wbio(ssl);
    if ((wbio && BIO_ctrl_wpending(wbio) > 0) || SSL_get_app_data(ssl) != nullptr) return;
    if (SSL_up_ref(ssl) != 1) return;
    sock_.emplace(std::move(s_->next_layer()));
    s_.reset();  // Asio's buffers and the BIO pair's outer half go; our reference keeps the SSL
    // The SSL still owns the pair's inner half and with it the 17 KiB
    // buffer its records were written into (empty: checked above). Drop it
    // too; wake() gives the SSL a fresh pair.
    SSL_set_bio(ssl, nullptr, nullptr);
    ssl_ = ssl;
    hibernating_gauge().add();
  }

  // Hibernated: EOF or a socket error when the peer has closed, else none
  // (bytes are waiting, or none yet).
  boost::system::error_code peek_closed() {
    char b;
    const ssize_t r = ::recv(sock_->native_handle(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0) {
      peer_closed_ = true;
      return asio::error::eof;
    }
    if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      peer_closed_ = true;
      return boost::system::error_code(errno, boost::system::system_category());
    }
    return {};
  }

  void wake() {
    if (s_) return;
    // The stream takes over our reference and sets a new BIO pair.
    s_ = std::make_unique<TlsStream>(std::move(*sock_), ssl_);
    ssl_ = nullptr;
    sock_.reset();
    hibernating_gauge().sub();
  }

  std::unique_ptr<TlsStream> s_;
  // Hibernated: the socket and the SSL (one reference) without a stream.
  std::optional<tcp::socket> sock_;
  SSL* ssl_ = nullptr;
  bool peer_closed_ = false;  // seen by peek_closed() while hibernated
  std::string scratch_;
};

}  // namespace

void Transport::write_some_now(std::span<const asio::const_buffer> bufs, Rest& rest,
                               boost::system::error_code& ec) {
  rest.n = 0;
  ec.clear();
  if (!is_open()) {
    ec = asio::error::bad_descriptor;
    return;
  }
  std::size_t pieces = 0, total = 0;
  for (const auto& b : bufs) {
    if (b.size() == 0) continue;
    ++pieces;
    total += b.size();
  }
  if (total == 0) return;
  if (pieces > Rest::kMaxPieces) {
    ec = asio::error::invalid_argument;
    return;
  }
  std::size_t done = write_now(bufs, ec);
  if (ec == asio::error::would_block) ec.clear();
  if (ec || done == total) return;
  for (const auto& b : bufs) {
    if (done >= b.size()) {
      done -= b.size();
      continue;
    }
    rest.bufs[rest.n++] = asio::const_buffer(static_cast<const char*>(b.data()) + done, b.size() - done);
    done = 0;
  }
}

namespace {
void free_parked_ssl(void* p) {
  SSL_free(static_cast<SSL*>(p));
  hibernating_gauge().sub();
}
}  // namespace

ParkedTls take_hibernated_tls(Transport& t) {
  auto* tls = dynamic_cast<TlsTransport*>(&t);
  if (!tls || !tls->hibernating()) return ParkedTls(nullptr, free_parked_ssl);
  return ParkedTls(tls->take_ssl(), free_parked_ssl);
}

void return_hibernated_tls(Transport& t, ParkedTls ssl) {
  auto* tls = dynamic_cast<TlsTransport*>(&t);
  if (tls && ssl) tls->give_ssl(static_cast<SSL*>(ssl.release()));
}

std::unique_ptr<Transport> make_hibernated_tls_transport(tcp::socket s, ParkedTls ssl) {
  return std::make_unique<TlsTransport>(std::move(s), static_cast<SSL*>(ssl.release()));
}

bool tls_hibernating(const Transport& t) {
  const auto* tls = dynamic_cast<const TlsTransport*>(&t);
  return tls && tls->hibernating();
}

PeerCertificate peer_certificate(const Transport& t) {
  const auto* tls = dynamic_cast<const TlsTransport*>(&t);
  return tls ? tls->peer_certificate() : PeerCertificate{};
}

std::unique_ptr<Transport> make_tcp_transport(tcp::socket s) {
  return std::make_unique<TcpTransport>(std::move(s));
}

std::unique_ptr<Transport> make_tls_transport(std::unique_ptr<TlsStream> s) {
  return std::make_unique<TlsTransport>(std::move(s));
}

}  // namespace strata::io

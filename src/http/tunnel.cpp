// Exchange::tunnel (the default, built on the other Exchange calls) and the
// two ByteStream kinds: over a transport and over an exchange's stream.
#include "http/tunnel.hpp"

#include <cstring>

#include <boost/asio/error.hpp>

#include "io/transport.hpp"

namespace strata::http {

namespace asio = boost::asio;

namespace {

class TransportStream final : public ByteStream {
 public:
  TransportStream(std::unique_ptr<io::Transport> t, std::string pending)
      : t_(std::move(t)), pending_(std::move(pending)) {}

  asio::awaitable<IoResult> read_some(std::span<char> buf) override {
    if (off_ < pending_.size()) {
      const std::size_t n = std::min(buf.size(), pending_.size() - off_);
      std::memcpy(buf.data(), pending_.data() + off_, n);
      off_ += n;
      if (off_ == pending_.size()) std::string().swap(pending_), off_ = 0;
      co_return IoResult{{}, n};
    }
    auto r = co_await t_->read_some(buf);
    if (r.ec == asio::error::eof) co_return IoResult{};
    co_return r;
  }
  asio::awaitable<error_code> write(std::span<const char> data) override {
    const asio::const_buffer b(data.data(), data.size());
    co_return co_await t_->write(std::span<const asio::const_buffer>(&b, 1));
  }
  asio::awaitable<void> shutdown_write() override {
    if (!t_->is_open()) co_return;
    if (t_->tls()) {  // TLS has no half-close: close_notify
      co_await t_->shutdown();
      co_return;
    }
    if (co_await t_->flush()) co_return;  // everything written goes before the FIN
    error_code ec;
    t_->lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }
  void close() override { t_->close(); }
  asio::any_io_executor executor() const override { return t_->get_executor(); }

 private:
  std::unique_ptr<io::Transport> t_;
  std::string pending_;
  std::size_t off_ = 0;
};

class ExchangeStream final : public ByteStream {
 public:
  explicit ExchangeStream(Exchange& ex) : ex_(ex) {}
  asio::awaitable<IoResult> read_some(std::span<char> buf) override {
    if (closed_) co_return IoResult{asio::error::operation_aborted, 0};
    co_return co_await ex_.read_body(buf);
  }
  asio::awaitable<error_code> write(std::span<const char> data) override {
    if (closed_ || ex_.finished()) co_return asio::error::operation_aborted;
    co_return co_await ex_.send_body(data, false);
  }
  asio::awaitable<void> shutdown_write() override {
    if (!closed_ && !ex_.finished()) (void)co_await ex_.send_body({}, true);
  }
  void close() override {
    if (closed_) return;
    closed_ = true;
    if (!ex_.finished()) ex_.reset();
  }
  asio::any_io_executor executor() const override { return ex_.executor(); }

 private:
  Exchange& ex_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<ByteStream> transport_stream(std::unique_ptr<io::Transport> t,
                                             std::string pending) {
  return std::make_unique<TransportStream>(std::move(t), std::move(pending));
}

std::unique_ptr<ByteStream> exchange_stream(Exchange& ex) {
  return std::make_unique<ExchangeStream>(ex);
}

TunnelKind tunnel_kind(const Request& r) {
  if (r.method == "CONNECT") {
    if (r.protocol == Protocol::h2 || r.protocol == Protocol::h3)
      return r.connect_protocol.empty() ? TunnelKind::connect : TunnelKind::extended_connect;
    return TunnelKind::connect;
  }
  return is_upgrade_request(r) ? TunnelKind::upgrade : TunnelKind::none;
}

asio::awaitable<std::unique_ptr<ByteStream>> Exchange::tunnel(Response& ok) {
  auto& req = request();
  switch (tunnel_kind(req)) {
    case TunnelKind::none:
      co_return nullptr;
    case TunnelKind::upgrade:
    case TunnelKind::connect:
      if (req.protocol != Protocol::h2 && req.protocol != Protocol::h3) {
        // HTTP/1.x: the codec switches the connection over (101, or 2xx to CONNECT).
        std::string leftover;
        auto t = co_await upgrade(ok, leftover);
        if (!t) co_return nullptr;
        co_return transport_stream(std::move(t), std::move(leftover));
      }
      [[fallthrough]];
    case TunnelKind::extended_connect:
      break;
  }
  if (ok.status < 200 || ok.status > 299 || head_sent()) co_return nullptr;
  ok.headers.remove("content-length");
  ok.headers.remove("transfer-encoding");
  if (co_await send_head(ok, false)) co_return nullptr;
  co_return exchange_stream(*this);
}

}  // namespace strata::http

#include "upstream/pool/connector.hpp"

#include "io/tls_handshake.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "upstream/pool/watchdog.hpp"

namespace strata::upstream::pool {

namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<ConnectResult> connect_endpoint(asio::any_io_executor ex,
                                                const std::vector<tcp::endpoint>& addrs,
                                                const ConnectOptions& opt) {
  ConnectResult out;
  if (addrs.empty()) {
    out.ec = asio::error::host_not_found;
    co_return out;
  }
  tcp::socket sock(ex);
  Watchdog dog(ex, opt.timeout, [&sock] {
    boost::system::error_code ignored;
    sock.close(ignored);
  });
  boost::system::error_code ec;
  for (const auto& a : addrs) {
    if (dog.fired()) break;
    boost::system::error_code ignored;
    sock.close(ignored);
    std::tie(ec) = co_await sock.async_connect(a, asio::as_tuple(asio::use_awaitable));
    if (!ec) break;
  }
  if (dog.fired()) ec = asio::error::timed_out;
  if (ec) {
    out.ec = ec;
    co_return out;
  }
  sock.set_option(tcp::no_delay(true), ec);
  if (!opt.preamble.empty()) {
    std::tie(ec, std::ignore) = co_await asio::async_write(
        sock, asio::buffer(opt.preamble), asio::as_tuple(asio::use_awaitable));
    if (dog.fired()) ec = asio::error::timed_out;
    if (ec) {
      out.ec = ec;
      co_return out;
    }
  }
  if (!opt.tls) {
    dog.disarm();
    out.transport = io::make_tcp_transport(std::move(sock));
    co_return out;
  }
  auto tls = std::make_unique<io::TlsStream>(std::move(sock), *opt.tls);
  if (!opt.sni.empty())
    SSL_set_tlsext_host_name(tls->native_handle(), const_cast<char*>(opt.sni.c_str()));
  if (opt.verify) {
    tls->set_verify_mode(asio::ssl::verify_peer);
    tls->set_verify_callback(asio::ssl::host_name_verification(opt.sni));
  } else {
    tls->set_verify_mode(asio::ssl::verify_none);
  }
  io::TlsStream* raw = tls.get();
  dog.retarget([raw] {
    boost::system::error_code ignored;
    raw->lowest_layer().close(ignored);
  });
  std::tie(ec) = co_await tls->async_handshake(asio::ssl::stream_base::client,
                                               asio::as_tuple(asio::use_awaitable));
  const bool timed_out = dog.fired();
  if (timed_out) ec = asio::error::timed_out;
  dog.disarm();
  io::count_upstream_handshake(ec, timed_out);
  if (ec) {
    out.ec = ec;
    co_return out;
  }
  out.transport = io::make_tls_transport(std::move(tls));
  co_return out;
}

std::shared_ptr<asio::ssl::context> make_client_tls(const config::Cluster& c,
                                                    const std::vector<std::string>& alpn) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  if (c.tls_verify) {
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  std::string wire;
  for (const auto& p : alpn) {
    wire += char(p.size());
    wire += p;
  }
  if (!wire.empty())
    SSL_CTX_set_alpn_protos(ctx->native_handle(),
                            reinterpret_cast<const unsigned char*>(wire.data()),
                            unsigned(wire.size()));
  return ctx;
}

}  // namespace strata::upstream::pool

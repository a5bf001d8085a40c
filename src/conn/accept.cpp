#include "conn/accept.hpp"

#include <atomic>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "io/tls_handshake.hpp"
#include "obs/metrics.hpp"

namespace strata::conn {

namespace asio = boost::asio;
using asio::ip::tcp;

bool preface_prefix(std::string_view bytes) {
  auto n = std::min(bytes.size(), kH2Preface.size());
  return bytes.substr(0, n) == kH2Preface.substr(0, n);
}

namespace {

std::atomic<std::uint64_t> g_conn_ids{0};

std::string ip_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

http::ConnInfo make_info(tcp::socket& s, const Snapshot& snap) {
  http::ConnInfo info;
  boost::system::error_code ec;
  auto peer = s.remote_endpoint(ec);
  if (!ec) {
    info.peer_ip = ip_text(peer.address());
    info.peer_port = peer.port();
  }
  auto local = s.local_endpoint(ec);
  if (!ec) {
    info.local_ip = ip_text(local.address());
    info.local_port = local.port();
  }
  info.listener = snap.listener ? snap.listener->name : std::string();
  info.id = ++g_conn_ids;
  return info;
}

// Reads until the bytes either diverge from the h2 preface or complete it,
// bounded by the header timeout. Returns false when the peer went away.
asio::awaitable<bool> sniff_preface(io::Transport& t, std::string& initial,
                                    std::chrono::milliseconds timeout) {
  asio::steady_timer timer(t.get_executor());
  timer.expires_after(timeout);
  bool timed_out = false;
  timer.async_wait([&](boost::system::error_code ec) {
    if (!ec) {
      timed_out = true;
      t.close();
    }
  });
  char buf[4096];
  while (preface_prefix(initial) && initial.size() < kH2Preface.size()) {
    auto r = co_await t.read_some(std::span<char>(buf, sizeof buf));
    if (r.ec) break;
    initial.append(buf, r.n);
  }
  timer.cancel();
  if (timed_out) obs::counter("strata_http1_timeouts_total", "Connections closed by a timeout", {{"kind", "header"}}).inc();
  co_return t.is_open() && !initial.empty();
}

}  // namespace

asio::awaitable<void> serve_connection(tcp::socket s, std::shared_ptr<ServerContext> ctx) {
  auto snap = ctx->snapshot();
  if (!snap || !snap->listener) co_return;
  const auto& cfg = *snap->config;
  http::ConnInfo info = make_info(s, *snap);
  boost::system::error_code ec;
  s.set_option(tcp::no_delay(true), ec);

  if (snap->tls) {
    auto t = co_await io::accept_tls(std::move(s), *snap->tls, cfg.timeouts.tls_handshake);
    if (!t) co_return;
    info.tls = true;
    info.alpn = t->alpn();
    info.sni = t->sni();
    if (info.alpn == "h2")
      co_await serve_http2(std::move(t), *ctx, std::move(info), std::string());
    else
      co_await serve_http1(std::move(t), *ctx, std::move(info), std::string());
    co_return;
  }

  auto t = io::make_tcp_transport(std::move(s));
  std::string initial;
  if (snap->listener->has("h2c")) {
    if (!co_await sniff_preface(*t, initial, cfg.timeouts.header)) co_return;
    if (initial.size() >= kH2Preface.size() && preface_prefix(initial)) {
      co_await serve_http2(std::move(t), *ctx, std::move(info), std::move(initial));
      co_return;
    }
  }
  co_await serve_http1(std::move(t), *ctx, std::move(info), std::move(initial));
}

}  // namespace strata::conn

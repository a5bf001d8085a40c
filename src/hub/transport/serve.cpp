// Transport selection for the `hub:` action (transport/serve.hpp).
#include "hub/transport/serve.hpp"

#include "codec/websocket/handshake.hpp"
#include "codec/websocket/permessage_deflate.hpp"
#include "filter/local_reply.hpp"
#include "http/tunnel.hpp"
#include "io/transport.hpp"
#include "hub/transport/http_publish.hpp"
#include "hub/transport/session.hpp"
#include "hub/www/client_js.hpp"
#include "hub/transport/sse.hpp"
#include "hub/transport/ws_fast.hpp"
#include "hub/transport/ws_stream.hpp"

namespace strata::hub::transport {
namespace {

namespace asio = boost::asio;
namespace ws = codec::websocket;

bool wants_websocket(const http::Request& r) {
  if (r.protocol == http::Protocol::h2 || r.protocol == http::Protocol::h3)
    return r.method == "CONNECT" && !r.connect_protocol.empty();
  return http::is_upgrade_request(r);
}

const char* stream_label(const http::Request& r, bool tls) {
  if (r.protocol == http::Protocol::h2) return "websocket_h2";
  if (r.protocol == http::Protocol::h3) return "websocket_h3";
  return tls ? "websocket_tls" : "websocket_h1";
}

asio::awaitable<void> serve_websocket(http::Exchange& ex, HubEnv& env,
                                      const config::HubAction& action) {
  const auto& req = ex.request();
  if (auto e = ws::check_upgrade_request(req); e != ws::HandshakeError::none) {
    if (e == ws::HandshakeError::bad_version) {
      const std::pair<std::string, std::string> v[] = {{"sec-websocket-version", "13"}};
      co_await filter::send_local_reply(
          ex, filter::local_reply(426, "hub-websocket-version", "WebSocket version 13 only\n"), v);
    } else {
      co_await filter::send_local_reply(
          ex, filter::local_reply(ws::handshake_status(e), "hub-bad-handshake",
                                  "bad WebSocket handshake\n"));
    }
    co_return;
  }
  auto params = parse_url_params(req.target);
  std::optional<ws::DeflateParams> deflate;
  if (action.deflate) {
    ws::DeflatePolicy policy;
    policy.enabled = true;
    policy.server_no_context_takeover = action.no_context_takeover;
    deflate = ws::negotiate_deflate(req.headers.joined("sec-websocket-extensions"), policy);
  }
  const bool h1 = req.protocol != http::Protocol::h2 && req.protocol != http::Protocol::h3;
  http::Response ok;
  ok.status = h1 ? 101 : 200;
  if (h1) {
    ok.headers.set("upgrade", "websocket");
    ok.headers.set("sec-websocket-accept",
                   ws::accept_key(req.headers.get("sec-websocket-key").value_or("")));
  }
  if (deflate) ok.headers.set("sec-websocket-extensions", ws::deflate_response(*deflate));
  const bool tls = ex.conn().tls;
  if (h1 && !tls) {
    std::string leftover;
    auto t = co_await ex.upgrade(ok, leftover);
    if (!t) co_return;  // nothing sent: the codec answers 500
    if (co_await t->flush()) co_return;  // the 101 is out before the socket changes hands
    asio::ip::tcp::socket sock = std::move(t->lowest_layer());
    t.reset();
    start_fast_websocket(std::move(sock), std::move(leftover), env, std::move(params), deflate);
    co_return;
  }
  auto stream = co_await ex.tunnel(ok);
  if (!stream) co_return;
  co_await serve_stream_websocket(std::move(stream), env, std::move(params), deflate,
                                  stream_label(req, tls));
}

// The embedded JavaScript client (hub/www/strata-hub.js).
asio::awaitable<void> serve_client_js(http::Exchange& ex) {
  const std::string_view js = client_js();
  http::Response r;
  r.status = 200;
  r.headers.add("content-type", "text/javascript; charset=utf-8");
  r.headers.add("cache-control", "public, max-age=300");
  r.headers.add("content-length", std::to_string(js.size()));
  if (co_await ex.send_head(r, false)) co_return;
  co_await ex.send_body(std::span<const char>(js.data(), js.size()), true);
}

}  // namespace

asio::awaitable<void> serve(http::Exchange& ex, HubEnv& env, const config::HubAction& action) {
  const auto& req = ex.request();
  if (wants_websocket(req)) {
    if (!action.websocket) {
      co_await filter::send_local_reply(
          ex, filter::local_reply(400, "hub-bad-request", "WebSocket is off on this route\n"));
      co_return;
    }
    co_await serve_websocket(ex, env, action);
    co_return;
  }
  if ((req.method == "GET" || req.method == "HEAD") && req.path().ends_with("/strata-hub.js")) {
    co_await serve_client_js(ex);
    co_return;
  }
  if (req.method == "POST") {
    co_await serve_http_publish(ex, env);
    co_return;
  }
  if (action.sse && is_sse_request(req)) {
    co_await serve_sse(ex, env);
    co_return;
  }
  co_await filter::send_local_reply(
      ex, filter::local_reply(400, "hub-bad-request",
                              "expected a WebSocket or an event stream (Accept: text/event-stream)\n"));
}

}  // namespace strata::hub::transport

// An HTTP/1.1 hub subscriber for `strata load --hub ws|sse`: connects (from
// its 127.x source address), sends the WebSocket Upgrade (or the SSE GET),
// checks the 101 (or 200) head, then reads until the run ends: every
// message that carries a publisher stamp is a delivery. WebSocket pings are
// answered with pongs, a server close with a close. Each connection reads
// into a 4 KiB buffer of its own (hub_internal.hpp: one recv per wakeup);
// a partial frame or event stays with the connection.
#include <chrono>
#include <random>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/response_parser.hpp"
#include "tools/load/connector.hpp"
#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/hub_sub_stream.hpp"
#include "tools/load/ws_client_frames.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;
using sclock = std::chrono::steady_clock;

asio::ip::address hub_source_address(unsigned i, unsigned sources) {
  const unsigned n = sources ? sources : 1;
  return asio::ip::address_v4(0x7f010001u + (i % n));
}

ConnectParams hub_connect_params(const HubShared& g, unsigned i) {
  ConnectParams cp;
  cp.endpoints = g.endpoints;
  cp.tls = g.tls.get();
  cp.sni = g.target.host;
  cp.verify = g.opt.verify_tls;
  cp.timeout = std::chrono::nanoseconds(std::int64_t(g.opt.connect_timeout_s * 1e9));
  if (g.bind_sources) cp.source = hub_source_address(i, g.opt.sources);
  return cp;
}

std::string hub_path_for(const HubShared& g, unsigned i) {
  const std::string& ch = g.channels[i % g.channels.size()];
  return expand_template(g.path_tpl, ch, "", 0);
}

namespace {

std::string base64_16(std::uint64_t a, std::uint64_t b) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char raw[16];
  for (int i = 0; i < 8; ++i) {
    raw[i] = static_cast<unsigned char>(a >> (8 * i));
    raw[8 + i] = static_cast<unsigned char>(b >> (8 * i));
  }
  std::string o;
  for (int i = 0; i < 15; i += 3) {
    const unsigned v = (unsigned(raw[i]) << 16) | (unsigned(raw[i + 1]) << 8) | raw[i + 2];
    o += k[(v >> 18) & 63];
    o += k[(v >> 12) & 63];
    o += k[(v >> 6) & 63];
    o += k[v & 63];
  }
  const unsigned v = unsigned(raw[15]) << 16;
  o += k[(v >> 18) & 63];
  o += k[(v >> 12) & 63];
  o += "==";
  return o;
}

}  // namespace

asio::awaitable<core::IoResult> SharedReader::read() {
  if (tr.tls()) {
    if (own.empty()) own.resize(16 * 1024);
    data = own.data();
    co_return co_await tr.read_some(std::span<char>(own.data(), own.size()));
  }
  auto& sock = tr.lowest_layer();
  if (own_size) {
    // A buffer of the connection's own: asio reads into it from its
    // reactor (speculatively while the socket had data, else when epoll
    // reports it), so one wakeup costs one recv and no epoll_ctl.
    if (own.size() != own_size) own.resize(own_size);
    data = own.data();
    auto [ec, n] = co_await sock.async_read_some(asio::buffer(own.data(), own.size()),
                                                 asio::as_tuple(asio::use_awaitable));
    co_return core::IoResult{ec, n};
  }
  data = shared.data();
  for (;;) {
    boost::system::error_code ec;
    const std::size_t n = sock.read_some(asio::buffer(shared.data(), shared.size()), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      auto [wec] = co_await sock.async_wait(asio::socket_base::wait_read,
                                            asio::as_tuple(asio::use_awaitable));
      if (wec) co_return core::IoResult{wec, 0};
      continue;
    }
    co_return core::IoResult{ec, n};
  }
}

asio::awaitable<void> hub_subscriber_h1(HubThread& t, unsigned index) {
  using namespace asio::experimental::awaitable_operators;
  HubShared& g = t.g;
  HubStats& st = t.st;
  const bool ws = g.opt.mode == HubMode::ws;
  SubAttempt attempt(t);
  const std::int64_t t0_us = std::int64_t(unix_us_now());

  const ConnectParams cp = hub_connect_params(g, index);
  Connected c = co_await connect_once(cp);
  if (!c.transport) {
    attempt.failed(c.failure == Connected::Failure::tls ? HubError::handshake : HubError::connect);
    co_return;
  }
  io::Transport& tr = *c.transport;
  t.live.emplace(&tr, [p = &tr] { p->close(); });
  if (!tr.tls()) {
    boost::system::error_code ig;
    tr.lowest_layer().non_blocking(true, ig);
  }
  SharedReader rd{tr, t.buf, {}, nullptr, kSubscriberReadBuffer};
  if (g.stop.load(std::memory_order_relaxed)) tr.close();

  // --- handshake
  std::mt19937_64 rng(std::uint64_t(t0_us) ^ (std::uint64_t(index) * 0x9e3779b97f4a7c15ull));
  const std::string key = base64_16(rng(), rng());
  std::string req = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\n", hub_path_for(g, index),
                                g.target.authority);
  if (ws)
    req += fmt::format(
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\n"
        "Sec-WebSocket-Version: 13\r\n",
        key);
  else
    req += "Accept: text/event-stream\r\nCache-Control: no-cache\r\n";
  req += g.extra_headers;
  req += "User-Agent: strata-load\r\n\r\n";

  codec::http1::ResponseParser parser;
  http::Response resp;
  parser.start(&resp);
  std::string part;  // bytes not consumed yet (partial head, frame or chunk line)
  bool head_ok = false;
  bool timed_out = false;
  HubError herr = HubError::reset;
  auto handshake = [&]() -> asio::awaitable<void> {
    if (auto ec = co_await tr.write(req); ec) co_return;
    for (;;) {
      auto [ec, n] = co_await rd.read();
      if (ec) co_return;
      part.append(rd.data, n);
      const auto r = parser.parse(part);
      part.erase(0, r.consumed);
      if (r.status == codec::http1::ResponseParser::Status::error) {
        herr = HubError::protocol;
        co_return;
      }
      if (r.status == codec::http1::ResponseParser::Status::need_more) continue;
      if (parser.facts().interim) {
        parser.next(&resp);
        continue;
      }
      herr = HubError::handshake;
      if (resp.status != (ws ? 101 : 200)) ++st.status[resp.status];  // why handshakes fail
      if (ws) {
        if (resp.status != 101) co_return;
        const auto acc = resp.headers.get("sec-websocket-accept");
        if (!acc || *acc != ws_accept_for(key)) co_return;
      } else if (resp.status != 200) {
        co_return;
      }
      head_ok = true;
      co_return;
    }
  };
  auto timeout = [&]() -> asio::awaitable<void> {
    asio::steady_timer tm(co_await asio::this_coro::executor, cp.timeout);
    auto [ec] = co_await tm.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) timed_out = true;
  };
  co_await (handshake() || timeout());
  if (!head_ok) {
    attempt.failed(timed_out ? HubError::timeout : herr);
    t.live.erase(&tr);
    tr.close();
    co_return;
  }
  attempt.established();

  // --- receive
  SubStream sub(t, ws, rng());
  codec::http1::BodyDecoder body;
  if (!ws) parser.start_body(body, nullptr);
  bool done = false;    // got --messages
  bool broken = false;  // closed by the server or unusable
  std::string out;      // pongs / close to send after this read
  std::string held;     // bytes that came with the head
  held.swap(part);
  bool first = true;
  auto account = [&](SubStream::Result r) {
    if (r == SubStream::Result::done) done = true;
    else if (r == SubStream::Result::closed) {
      if (!g.stop.load(std::memory_order_relaxed)) ++st.closed;
      broken = true;
    } else if (r == SubStream::Result::error) {
      broken = true;
    }
  };
  while (!done && !broken) {
    std::string_view in;
    if (first && !held.empty()) {
      in = held;
    } else {
      auto [ec, got] = co_await rd.read();
      if (ec) break;
      in = std::string_view(rd.data, got);
    }
    first = false;
    if (ws) {
      account(sub.feed(in, out));
    } else {
      // The SSE body is framed by HTTP/1.1 (chunked, usually): unframe it.
      std::string_view src = in;
      if (!part.empty()) {
        part.append(in);
        src = part;
      }
      std::size_t off = 0;
      while (off < src.size() && !done && !broken) {
        const auto s = body.step(src.substr(off), src.size());
        off += s.consumed;
        if (s.status == codec::http1::BodyDecoder::Status::error) {
          st.error(HubError::protocol);
          broken = true;
        } else if (s.status == codec::http1::BodyDecoder::Status::data) {
          account(sub.feed(s.data, out));
        } else if (s.status == codec::http1::BodyDecoder::Status::done) {
          if (!g.stop.load(std::memory_order_relaxed)) ++st.closed;  // the stream ended
          broken = true;
        } else if (s.consumed == 0) {
          break;
        }
      }
      if (part.empty()) part.assign(src.substr(off));
      else part.erase(0, off);
    }
    if (!out.empty()) {
      const std::string o = std::move(out);
      out.clear();
      if (auto ec = co_await tr.write(o); ec) break;
    }
  }
  if (!done && !broken && !g.stop.load(std::memory_order_relaxed)) {
    ++st.closed;
    st.error(HubError::reset);
  }
  t.live.erase(&tr);
  tr.close();
}

}  // namespace strata::tools::load

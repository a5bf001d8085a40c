#include "conn/proxy_header.hpp"

#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace strata::conn {

namespace asio = boost::asio;
using asio::ip::tcp;

asio::awaitable<ProxyRead> read_proxy_header(tcp::socket& s, security::ProxyVersions accept,
                                             std::chrono::milliseconds timeout) {
  using Status = security::ProxyParse::Status;
  ProxyRead out;
  // The timer's handler may still be queued when this returns: it touches
  // the socket only while the read goes on.
  struct State {
    bool done = false;
    bool timed_out = false;
  };
  auto st = std::make_shared<State>();
  asio::steady_timer timer(s.get_executor());
  timer.expires_after(timeout);
  timer.async_wait([st, &s](boost::system::error_code ec) {
    if (ec || st->done) return;
    st->timed_out = true;
    boost::system::error_code ignored;
    s.close(ignored);
  });
  constexpr std::size_t kMax = 16 + security::kMaxV2Payload;
  std::string have;  // bytes consumed so far (all part of the header)
  std::string peek(kMax, '\0');
  // Each pass consumes at least one byte or ends: at most kMax passes.
  for (;;) {
    auto [ec, n] = co_await s.async_receive(asio::buffer(peek.data(), kMax - have.size()),
                                            tcp::socket::message_peek,
                                            asio::as_tuple(asio::use_awaitable));
    if (ec || n == 0) {
      out.reason = st->timed_out ? "timeout" : "closed";
      break;
    }
    std::string all = have;
    all.append(peek.data(), n);
    const auto p = security::parse_proxy_header(all, accept);
    if (p.status == Status::invalid) {
      out.reason = p.reason;
      break;
    }
    // Consume the header's bytes in this chunk (done), or all of them (not finished yet).
    const std::size_t take = p.status == Status::done ? p.consumed - have.size() : n;
    auto [rec, got] = co_await asio::async_read(s, asio::buffer(peek.data(), take),
                                                asio::as_tuple(asio::use_awaitable));
    if (rec) {
      out.reason = st->timed_out ? "timeout" : "closed";
      break;
    }
    have.append(peek.data(), got);
    if (p.status == Status::done) {
      out.ok = true;
      out.header = p.header;
      break;
    }
    if (have.size() >= kMax) {  // cannot happen: the parser refuses longer headers
      out.reason = "too_long";
      break;
    }
  }
  st->done = true;
  timer.cancel();
  co_return out;
}

}  // namespace strata::conn

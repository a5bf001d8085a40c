// Test helper: a connected pair of loopback TCP sockets on one io_context,
// for driving connection code with real sockets and no threads.
#pragma once
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace strata::test {

inline std::pair<boost::asio::ip::tcp::socket, boost::asio::ip::tcp::socket> loopback_pair(
    boost::asio::io_context& io) {
  using boost::asio::ip::tcp;
  tcp::acceptor acc(io, tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  tcp::socket client(io);
  client.connect(acc.local_endpoint());
  tcp::socket server = acc.accept();
  client.set_option(tcp::no_delay(true));
  server.set_option(tcp::no_delay(true));
  return {std::move(server), std::move(client)};
}

}  // namespace strata::test

// Listen-address resolution and listening-socket creation.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "core/host_port.hpp"

namespace strata::io {

// Parsed by core::parse_host_port (the one host:port parser; a listen
// address may leave the host empty: any).
using core::HostPort;

// Resolves a listen address (numeric, or "localhost"/names via the
// resolver, first answer). "[::]" / "::" listen dual-stack.
boost::asio::ip::tcp::endpoint resolve_listen(const HostPort& hp);

std::string to_string(const boost::asio::ip::tcp::endpoint& ep);  // "[::1]:80" / "1.2.3.4:80"

// Opens `count` listening sockets bound to the same endpoint with
// SO_REUSEPORT (one per worker). Port 0 is resolved by the first socket
// and reused for the others. Throws boost::system::system_error.
std::vector<int> open_reuseport_listeners(const boost::asio::ip::tcp::endpoint& ep, unsigned count,
                                          int backlog, boost::asio::ip::tcp::endpoint* bound);

}  // namespace strata::io

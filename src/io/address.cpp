#include "io/address.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>

#include <boost/asio/io_context.hpp>
#include <boost/system/system_error.hpp>

namespace strata::io {

namespace asio = boost::asio;
using asio::ip::tcp;

tcp::endpoint resolve_listen(const HostPort& hp) {
  if (hp.host.empty() || hp.host == "*") return {asio::ip::address_v6::any(), hp.port};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp.host, ec);
  if (!ec) return {addr, hp.port};
  asio::io_context io;
  tcp::resolver r(io);
  auto results = r.resolve(hp.host, std::to_string(hp.port));
  return results.begin()->endpoint();
}

std::string to_string(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_v6()) {
    auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string() + ":" + std::to_string(ep.port());
    return "[" + a.to_string() + "]:" + std::to_string(ep.port());
  }
  return a.to_string() + ":" + std::to_string(ep.port());
}

namespace {
[[noreturn]] void fail(const char* what) {
  throw boost::system::system_error(boost::system::error_code(errno, boost::system::system_category()), what);
}
}  // namespace

std::vector<int> open_reuseport_listeners(const tcp::endpoint& ep0, unsigned count, int backlog,
                                          tcp::endpoint* bound) {
  std::vector<int> fds;
  tcp::endpoint ep = ep0;
  try {
    for (unsigned i = 0; i < count; ++i) {
      int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) fail("socket");
      fds.push_back(fd);
      int one = 1, zero = 0;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) fail("SO_REUSEPORT");
      if (ep.address().is_v6()) {
        // "[::]" is dual-stack; a specific v6 address stays v6 only.
        int v6only = ep.address().to_v6().is_unspecified() ? 0 : 1;
        (void)zero;
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
      }
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::bind(fd, ep.data(), ep.size()) < 0) fail("bind");
      if (::listen(fd, backlog) < 0) fail("listen");
      if (i == 0) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
        tcp::endpoint actual;
        std::memcpy(actual.data(), &ss, len);
        actual.resize(len);
        ep.port(actual.port());
        if (bound) *bound = ep;
      }
    }
  } catch (...) {
    for (int fd : fds) ::close(fd);
    throw;
  }
  return fds;
}

}  // namespace strata::io

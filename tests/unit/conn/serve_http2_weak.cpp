// Test-only weak fallback for conn::serve_http2 so strata_unit links on a
// branch without the HTTP/2 driver; the real (strong) definition wins when
// present. It just closes the transport. Remove once src/conn has h2.
#include "conn/server_context.hpp"

namespace strata::conn {

__attribute__((weak)) boost::asio::awaitable<void> serve_http2(
    std::unique_ptr<io::Transport> t, ServerContext&, http::ConnInfo, std::string,
    std::unique_ptr<H2cUpgrade>) {
  t->close();
  co_return;
}

}  // namespace strata::conn

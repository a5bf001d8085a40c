// HTTP/3 application on one QUIC connection: the nghttp3 session
// (codec/http3), one Exchange per request stream served by the listener's
// handler in its own coroutine, and the 0-RTT policy:
//   - a request that arrived in early data is marked request.early_data;
//   - a repeated early-data request (same ClientHello and request, within
//     the replay window) gets 425 Too Early (RFC 8470);
//   - unsafe methods in early data get 425 unless the route opts in
//     (route `early_data: true`, checked by the router pipeline), and
//     requests forwarded upstream carry `Early-Data: 1`.
// Everything runs on the connection's worker thread.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "conn/server_context.hpp"
#include "quic/application.hpp"
#include "http/message.hpp"

namespace strata::conn {

// What the HTTP/3 layer needs from its QUIC connection.
using H3Transport = quic::AppTransport;

// The HTTP/3 application: a quic::Application (what QUIC drives) that is
// also a drainable Connection of its ServerContext.
class H3App : public Connection, public quic::Application {
 public:
  void drain() override = 0;
};

std::unique_ptr<H3App> make_h3_app(H3Transport& t, std::shared_ptr<ServerContext> ctx,
                                   http::ConnInfo info,
                                   boost::asio::any_io_executor ex,
                                   std::shared_ptr<const Snapshot> snap);

// The quic::Host of one listener (ServerContext): its QUIC settings from
// the current snapshot, and the HTTP/3 application for ALPN "h3".
std::shared_ptr<quic::Host> make_quic_host(std::shared_ptr<ServerContext> ctx);

}  // namespace strata::conn

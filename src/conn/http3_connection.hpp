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

#include "codec/http3/server_session.hpp"
#include "conn/server_context.hpp"
#include "http/message.hpp"

namespace strata::conn {

// What the HTTP/3 layer needs from its QUIC connection.
class H3Transport : public codec::http3::QuicSide {
 public:
  virtual void kick() = 0;                                   // data is ready to write
  virtual bool stream_early(std::int64_t sid) const = 0;     // request bytes came in 0-RTT
  virtual std::uint64_t hello_fingerprint() const = 0;       // hash of the TLS ClientHello
  virtual bool dead() const = 0;                             // connection gone
  virtual std::shared_ptr<void> keep_alive() = 0;            // pins the connection
};

class H3App : public Connection {
 public:
  virtual codec::http3::ServerSession& session() = 0;
  // The QUIC connection ended: handlers waiting on streams wake and fail.
  virtual void closed() = 0;
  // No request streams in progress (for idle close after GOAWAY).
  virtual bool idle() const = 0;
  virtual bool draining() const = 0;
};

std::unique_ptr<H3App> make_h3_app(H3Transport& t, std::shared_ptr<ServerContext> ctx,
                                   http::ConnInfo info,
                                   boost::asio::any_io_executor ex,
                                   std::shared_ptr<const Snapshot> snap);

}  // namespace strata::conn

// The coroutine body for one request stream of a multiplexed connection
// (HTTP/2, HTTP/3): builds the StreamExchange, runs the listener's handler
// under the shared policy (conn/handler_policy.hpp) and gives the stream
// back to the session. The driver owns the coroutine's lifetime (h2: a
// task counter; h3: a keep-alive pin) and calls this from it.
//
// `Conn` provides, beside what StreamExchange needs:
//   void attach(StreamExchange<Conn>*), detach(StreamExchange<Conn>*)
//       (the driver wakes live exchanges when the connection dies)
//   std::optional<LocalReply> admit(StreamExchange<Conn>&)
//       (a reply that replaces the handler, e.g. 425 for a replayed 0-RTT
//       request; nullopt: run the handler)
//   void release(StreamId)   (session.release unless the connection died)
// Thread: the connection's executor.
#pragma once
#include <optional>
#include <string_view>

#include "conn/handler_policy.hpp"
#include "conn/stream_exchange.hpp"

namespace strata::conn {

// A response the driver sends instead of running the handler.
struct LocalReply {
  int status = 0;
  std::string_view body;
};

// The per-protocol counters a stream runner keeps up to date.
struct StreamMetrics {
  obs::Counter& streams;  // streams served
  obs::Gauge& active;     // streams in progress
};

template <class Conn>
boost::asio::awaitable<void> serve_stream(Conn& c, typename Conn::StreamId sid,
                                          std::shared_ptr<const Snapshot> snap,
                                          http::Protocol proto, const StreamMetrics& m) {
  StreamExchange<Conn> ex(c, sid, std::move(snap));
  c.session().set_user(sid, &ex);
  c.attach(&ex);
  m.streams.inc();
  m.active.add();
  bool threw = false;
  if (auto reply = c.admit(ex)) {
    co_await http::respond(ex, reply->status, reply->body);
  } else if (auto* h = ex.snapshot() ? ex.snapshot()->handler.get() : nullptr) {
    try {
      co_await h->handle(ex);
    } catch (const std::exception&) {
      threw = true;
    }
  }
  switch (settle(ex, proto, threw, ex.body_overflow(), !c.dead())) {
    case HandlerEnd::respond:
      co_await http::respond(ex, ex.body_overflow() ? 413 : 500, "");
      break;
    case HandlerEnd::cut:
      ex.reset();
      break;
    case HandlerEnd::complete:
      break;
  }
  m.active.sub();
  c.detach(&ex);
  c.release(sid);
}

}  // namespace strata::conn

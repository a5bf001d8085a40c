// The per-stream API of a multiplexed server session, as a concept:
// codec::http2::ServerSession and codec::http3::ServerSession both model
// it (checked by static_assert in the drivers), and StreamExchange
// (conn/stream_exchange.hpp) is written once against it.
//
// Contract, for a stream id `sid` known to the session (from
// SessionEvents::on_request(sid) until release(sid)):
//   request(sid)            the request head (mutable: the router edits it)
//   set_user(sid, p)        p is handed back in SessionEvents::on_stream_wake
//   read_body(sid, buf)     copies buffered body bytes, returns the count and
//                           reopens flow control for them; 0 = see body_state
//   body_state(sid)         BodyState::{more, ended, overflow, reset}
//   request_trailers(sid)   trailers once the body ended, else null
//   writable(sid)           false once the stream cannot send any more
//   submit_interim/response/data/trailers  queue response parts; false when
//                           the stream cannot take them (closed, reset)
//   buffered(sid)           response bytes the transport has not taken yet
//                           (h2: not written to the socket; h3: not put into
//                           packets, bytes in flight excluded)
//   reset(sid, code)        aborts the stream with a protocol error code
//   release(sid)            the application is done with the stream
// Thread: the connection's executor; calls never block.
#pragma once
#include <concepts>
#include <cstddef>
#include <span>

#include "http/message.hpp"

namespace strata::conn {

template <class S, class Id>
concept StreamSession = requires(S& s, const S& cs, Id sid, void* user, std::span<char> buf,
                                 std::span<const char> data, http::Response& resp,
                                 const http::Headers& hdrs, bool end) {
  { s.request(sid) } -> std::same_as<http::Request&>;
  s.set_user(sid, user);
  { s.read_body(sid, buf) } -> std::same_as<std::size_t>;
  cs.body_state(sid);
  { cs.request_trailers(sid) } -> std::same_as<const http::Headers*>;
  { cs.writable(sid) } -> std::same_as<bool>;
  { s.submit_interim(sid, resp) } -> std::same_as<bool>;
  { s.submit_response(sid, resp, end) } -> std::same_as<bool>;
  { s.submit_data(sid, data, end) } -> std::same_as<bool>;
  { s.submit_trailers(sid, hdrs) } -> std::same_as<bool>;
  { cs.buffered(sid) } -> std::same_as<std::size_t>;
  s.reset(sid, 0u);
  s.release(sid);
  { cs.live_streams() } -> std::same_as<std::size_t>;
  s.shutdown();
};

}  // namespace strata::conn

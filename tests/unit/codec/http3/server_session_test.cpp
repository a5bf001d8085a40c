#include "codec/http3/server_session.hpp"
#include "config/config.hpp"

#include <gtest/gtest.h>

#include "obs/metrics.hpp"
#include "unit/codec/http3/h3_test_pair.hpp"

namespace strata::codec::http3 {
namespace {

using test::Pair;

std::uint64_t errors(const char* kind) {
  return obs::counter("strata_http3_errors_total", "HTTP/3 bad peer input, by kind",
                      {{"kind", kind}})
      .value();
}

std::string read_all(ServerSession& s, StreamId sid) {
  std::string out;
  char buf[700];
  for (int i = 0; i < 100000; ++i) {
    auto n = s.read_body(sid, buf);
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

bool respond(ServerSession& s, StreamId sid, int status, std::string_view body) {
  http::Response r;
  r.status = status;
  r.headers.add("content-type", "text/plain");
  if (!s.submit_response(sid, r, false)) return false;
  return s.submit_data(sid, {body.data(), body.size()}, true);
}

TEST(Http3ServerSession, GetWithHeadersGets200WithBody) {
  config::Limits limits;
  Pair p(limits);
  ASSERT_TRUE(p.ok);
  p.request(0, "GET", "/a/b?x=1&y=2",
            {{"x-one", "1"}, {"cookie", "a=1"}, {"cookie", "b=2"}});
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  ASSERT_EQ(p.ev.requests[0], 0);
  auto& r = p.server.request(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.scheme, "https");
  EXPECT_EQ(r.authority, "example.com");
  EXPECT_EQ(r.target, "/a/b?x=1&y=2");
  EXPECT_EQ(r.path(), "/a/b");
  EXPECT_EQ(r.query(), "x=1&y=2");
  EXPECT_EQ(r.protocol, http::Protocol::h3);
  EXPECT_FALSE(r.has_body);
  EXPECT_EQ(r.headers.get("x-one").value_or(""), "1");
  EXPECT_EQ(r.headers.get("cookie").value_or(""), "a=1; b=2");
  for (const auto& h : r.headers) EXPECT_NE(h.name[0], ':');
  EXPECT_EQ(p.server.body_state(0), BodyState::ended);
  EXPECT_EQ(p.server.live_streams(), 1u);

  http::Response resp;
  resp.headers.add("content-type", "text/plain");
  resp.headers.add("connection", "keep-alive");  // forbidden in HTTP/3: dropped
  ASSERT_TRUE(p.server.submit_response(0, resp, false));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 200);
  EXPECT_FALSE(p.streams[0].ended);  // body reader blocked: no body yet
  ASSERT_TRUE(p.server.submit_data(0, std::string_view("hel"), false));
  ASSERT_TRUE(p.server.submit_data(0, std::string_view("lo"), true));
  ASSERT_TRUE(p.pump());
  auto& cs = p.streams[0];
  EXPECT_EQ(cs.body.size(), 0u);
  EXPECT_EQ(cs.resp_body, "hello");
  EXPECT_TRUE(cs.ended);
  EXPECT_TRUE(cs.closed);
  EXPECT_TRUE(cs.headers.has("date"));
  EXPECT_EQ(cs.headers.get("server").value_or(""), "strata");
  EXPECT_EQ(cs.headers.get("content-type").value_or(""), "text/plain");
  EXPECT_FALSE(cs.headers.has("connection"));
  // QUIC closed the stream; the session keeps it until release.
  EXPECT_FALSE(p.server.writable(0));
  EXPECT_EQ(p.server.live_streams(), 1u);
  p.server.release(0);
  EXPECT_EQ(p.server.live_streams(), 0u);
  ASSERT_EQ(p.quic.done.size(), 1u);
  EXPECT_EQ(p.quic.done[0], 0);
}

TEST(Http3ServerSession, PostBodyAndTrailersReadWithReadBody) {
  config::Limits limits;
  Pair p(limits);
  std::string body(3000, 'x');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 26);
  p.request(0, "POST", "/up", {{"content-type", "application/octet-stream"}}, &body, true,
            {{"x-checksum", "abc"}});
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  auto& r = p.server.request(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_TRUE(r.has_body);
  EXPECT_FALSE(r.content_length.has_value());
  EXPECT_EQ(p.server.body_state(0), BodyState::more);
  EXPECT_EQ(read_all(p.server, 0), body);
  EXPECT_EQ(p.server.body_state(0), BodyState::ended);
  auto* t = p.server.request_trailers(0);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->get("x-checksum").value_or(""), "abc");
  ASSERT_TRUE(respond(p.server, 0, 201, "ok"));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 201);
  EXPECT_EQ(p.streams[0].resp_body, "ok");
  EXPECT_TRUE(p.streams[0].closed);
}

TEST(Http3ServerSession, ResponseTrailers) {
  config::Limits limits;
  Pair p(limits);
  p.request(0, "GET", "/grpc");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  http::Response resp;
  ASSERT_TRUE(p.server.submit_response(0, resp, false));
  ASSERT_TRUE(p.server.submit_data(0, std::string_view("abc"), false));
  ASSERT_TRUE(p.pump());
  http::Headers t;
  t.add("grpc-status", "0");
  t.add("grpc-message", "fine");
  ASSERT_TRUE(p.server.submit_trailers(0, t));
  EXPECT_FALSE(p.server.submit_data(0, std::string_view("late"), false));
  ASSERT_TRUE(p.pump());
  auto& cs = p.streams[0];
  EXPECT_EQ(cs.resp_body, "abc");
  EXPECT_EQ(cs.resp_trailers.get("grpc-status").value_or(""), "0");
  EXPECT_EQ(cs.resp_trailers.get("grpc-message").value_or(""), "fine");
  EXPECT_TRUE(cs.ended);
  EXPECT_TRUE(cs.closed);
}

TEST(Http3ServerSession, HundredConcurrentRequests) {
  config::Limits limits;
  Pair p(limits);
  for (StreamId sid = 0; sid < 400; sid += 4)
    p.request(sid, "GET", "/r/" + std::to_string(sid), {{"x-id", std::to_string(sid)}});
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 100u);
  EXPECT_EQ(p.server.live_streams(), 100u);
  // Answer in reverse order with bodies of different sizes.
  for (StreamId sid = 396; sid >= 0; sid -= 4) {
    EXPECT_EQ(p.server.request(sid).target, "/r/" + std::to_string(sid));
    EXPECT_EQ(p.server.request(sid).headers.get("x-id").value_or(""), std::to_string(sid));
    ASSERT_TRUE(respond(p.server, sid, 200, std::string(100 + sid * 10, char('a' + sid % 26))));
  }
  ASSERT_TRUE(p.pump());
  for (StreamId sid = 0; sid < 400; sid += 4) {
    auto& cs = p.streams[sid];
    EXPECT_EQ(cs.status, 200) << sid;
    EXPECT_EQ(cs.resp_body, std::string(100 + sid * 10, char('a' + sid % 26))) << sid;
    EXPECT_TRUE(cs.closed) << sid;
    p.server.release(sid);
  }
  EXPECT_EQ(p.server.live_streams(), 0u);
  EXPECT_EQ(p.quic.done.size(), 100u);
}

// Ended streams are recycled (their header list, first response chunk and
// map node kept): each next request on a recycled stream sees only its own
// fields, and each response exactly its own body, small or large.
TEST(Http3ServerSession, RecycledStreamsCarryNothingOver) {
  config::Limits limits;
  Pair p(limits);
  const std::size_t sizes[] = {300, 100, 20000, 0, 7};
  for (int i = 0; i < 5; ++i) {
    const StreamId sid = 4 * i;
    const std::string mine = "x-only-" + std::to_string(i);
    p.request(sid, "GET", "/n/" + std::to_string(i), {{mine, "v"}});
    ASSERT_TRUE(p.pump());
    const auto& r = p.server.request(sid);
    EXPECT_EQ(r.target, "/n/" + std::to_string(i));
    std::size_t fields = 0;
    for (const auto& h : r.headers) {
      EXPECT_EQ(h.name, mine) << i;
      ++fields;
    }
    EXPECT_EQ(fields, 1u) << i;
    const std::string body(sizes[i], char('a' + i));
    ASSERT_TRUE(respond(p.server, sid, 200, body));
    ASSERT_TRUE(p.pump());
    EXPECT_EQ(p.streams[sid].status, 200) << i;
    EXPECT_EQ(p.streams[sid].resp_body, body) << i;
    ASSERT_TRUE(p.streams[sid].closed) << i;
    p.server.release(sid);
    EXPECT_EQ(p.server.live_streams(), 0u) << i;
  }
}

TEST(Http3ServerSession, HeaderListOverLimitGets431) {
  config::Limits limits;
  limits.max_header_bytes = 1024;
  limits.max_headers = 8;
  Pair p(limits);
  auto before = errors("header_list");
  p.request(0, "GET", "/big", {{"x-big", std::string(2000, 'v')}});
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 10; ++i) many.emplace_back("x-h" + std::to_string(i), "v");
  p.request(4, "GET", "/many", many);
  p.request(8, "GET", "/fine", {{"x-small", "1"}});
  ASSERT_TRUE(p.pump());
  // Only the small request reaches the application.
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(p.ev.requests[0], 8);
  EXPECT_EQ(p.streams[0].status, 431);
  EXPECT_EQ(p.streams[4].status, 431);
  EXPECT_TRUE(p.streams[0].closed);
  EXPECT_TRUE(p.streams[4].closed);
  EXPECT_EQ(errors("header_list") - before, 2u);
  // Rejected streams are forgotten once QUIC closes them.
  EXPECT_EQ(p.server.live_streams(), 1u);
}

TEST(Http3ServerSession, StreamedBodyOverMaxBodyOverflows) {
  config::Limits limits;
  limits.max_body = 1000;
  Pair p(limits);
  auto before = errors("body_too_large");
  std::string body(5000, 'z');
  p.request(0, "POST", "/up", {}, &body, true);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(p.server.body_state(0), BodyState::overflow);
  char buf[100];
  EXPECT_EQ(p.server.read_body(0, buf), 0u);
  EXPECT_EQ(errors("body_too_large") - before, 1u);
  // Every received byte was credited back: nothing stays buffered.
  EXPECT_EQ(p.quic.consumed_by[0], p.delivered[0]);
  ASSERT_TRUE(respond(p.server, 0, 413, ""));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 413);
}

TEST(Http3ServerSession, ContentLengthOverMaxBodyGets413) {
  config::Limits limits;
  limits.max_body = 1000;
  Pair p(limits);
  std::string body(2000, 'z');
  p.request(0, "POST", "/up", {{"content-length", "2000"}}, &body, true);
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.ev.requests.empty());
  EXPECT_EQ(p.streams[0].status, 413);
  EXPECT_TRUE(p.streams[0].closed);
  EXPECT_EQ(p.quic.consumed_by[0], p.delivered[0]);
  EXPECT_EQ(p.server.live_streams(), 0u);
}

TEST(Http3ServerSession, ShutdownSendsGoawayAndRejectsLaterRequests) {
  config::Limits limits;
  Pair p(limits);
  p.request(0, "GET", "/slow");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  // Request 4 is in flight when the server decides to shut down.
  p.request(4, "GET", "/late");
  auto before = errors("rejected");
  p.server.shutdown();
  p.server.shutdown();  // idempotent
  EXPECT_TRUE(p.server.shutting_down());
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.goaway_id, 4);  // streams >= 4 will not be processed
  EXPECT_EQ(p.ev.requests.size(), 1u);
  EXPECT_TRUE(p.quic.reset(4, kRequestRejected));
  EXPECT_TRUE(p.quic.stopped(4, kRequestRejected));
  EXPECT_EQ(p.streams[4].close_code, kRequestRejected);
  EXPECT_EQ(errors("rejected") - before, 1u);
  // The client may not open new requests any more.
  EXPECT_NE(nghttp3_conn_submit_request(p.client, 8, nullptr, 0, nullptr, nullptr), 0);
  // The accepted stream still completes.
  ASSERT_TRUE(respond(p.server, 0, 200, "bye"));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].resp_body, "bye");
  EXPECT_TRUE(p.streams[0].closed);
}

TEST(Http3ServerSession, PeerResetWakesHandler) {
  config::Limits limits;
  Pair p(limits);
  std::string part(100, 'p');
  p.request(0, "POST", "/stream", {}, &part, false);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  int token = 0;
  p.server.set_user(0, &token);
  EXPECT_EQ(read_all(p.server, 0), part);
  EXPECT_EQ(p.server.body_state(0), BodyState::more);
  EXPECT_TRUE(p.server.writable(0));
  int wakes = p.ev.wakes[0];
  p.client_reset(0, kRequestCancelled);
  EXPECT_GT(p.ev.wakes[0], wakes);
  EXPECT_EQ(p.server.body_state(0), BodyState::reset);
  EXPECT_FALSE(p.server.writable(0));
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.closed.count(0));
  EXPECT_FALSE(p.server.submit_response(0, http::Response{}, true));
  p.server.release(0);
  EXPECT_EQ(p.server.live_streams(), 0u);
}

TEST(Http3ServerSession, UnackedDropsOnlyAfterAckBufferedOnceWritten) {
  config::Limits limits;
  Pair p(limits);
  p.auto_ack = false;
  p.request(0, "GET", "/big");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  int token = 0;
  p.server.set_user(0, &token);
  std::string body(50000, 'b');
  http::Response resp;
  ASSERT_TRUE(p.server.submit_response(0, resp, false));
  ASSERT_TRUE(p.server.submit_data(0, {body.data(), body.size()}, true));
  EXPECT_EQ(p.server.buffered(0), 50000u);  // nothing in packets yet
  EXPECT_EQ(p.server.unacked(0), 50000u);
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].resp_body, body);  // all written...
  EXPECT_EQ(p.server.buffered(0), 0u);      // ...so nothing waits for packets,
  EXPECT_EQ(p.server.unacked(0), 50000u);   // ...but none is acked
  EXPECT_FALSE(p.closed.count(0));
  // The stream carries HEADERS + DATA frame headers too; ack a prefix.
  std::uint64_t total = p.unacked[0];
  ASSERT_GT(total, 50000u);
  int wakes = p.ev.wakes[0];
  ASSERT_TRUE(p.ack(0, 20000));
  EXPECT_LT(p.server.unacked(0), 50000u);
  EXPECT_GT(p.server.unacked(0), 0u);
  EXPECT_EQ(p.server.buffered(0), 0u);
  EXPECT_GT(p.ev.wakes[0], wakes);
  ASSERT_TRUE(p.ack(0, total - 20000));
  EXPECT_EQ(p.server.unacked(0), 0u);
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.closed.count(0));
}

TEST(Http3ServerSession, BufferedCountsWhatFlowControlHoldsBack) {
  config::Limits limits;
  Pair p(limits);
  p.auto_ack = false;
  p.max_write = 10000;  // QUIC takes at most this much stream data per pump
  p.request(0, "GET", "/big");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  std::string body(50000, 'c');
  ASSERT_TRUE(p.server.submit_response(0, http::Response{}, false));
  ASSERT_TRUE(p.server.submit_data(0, {body.data(), body.size()}, true));
  ASSERT_TRUE(p.pump());
  // The control streams, HEADERS and the first ~10000 body bytes went
  // out; the rest waits. Bytes in flight are not counted.
  const std::size_t sent = p.unacked[0];
  ASSERT_GT(sent, 9000u);
  ASSERT_LE(sent, 10000u);
  const std::size_t waiting = p.server.buffered(0);
  EXPECT_EQ(waiting, 50000u - sent);
  EXPECT_EQ(p.server.unacked(0), 50000u);
  // Acks change what waits only by the frame headers they cover.
  ASSERT_TRUE(p.ack(0, p.unacked[0]));
  EXPECT_NEAR(double(p.server.buffered(0)), double(waiting), 64.0);
  EXPECT_GE(p.server.buffered(0), waiting);
  for (int i = 0; i < 10 && p.server.unacked(0) > 0; ++i) {
    ASSERT_TRUE(p.pump());
    ASSERT_TRUE(p.ack(0, p.unacked[0]));
  }
  EXPECT_EQ(p.server.buffered(0), 0u);
  EXPECT_EQ(p.server.unacked(0), 0u);
  EXPECT_EQ(p.streams[0].resp_body, body);
}

TEST(Http3ServerSession, FlowControlCreditOnlyAsBodyIsRead) {
  config::Limits limits;
  Pair p(limits);
  std::string body(20000, 'f');
  p.request(0, "PUT", "/f", {{"content-length", "20000"}}, &body, true);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(p.server.request(0).content_length.value_or(0), 20000u);
  // Only framing (HEADERS, DATA frame headers) was credited so far.
  std::uint64_t framing = p.quic.consumed_by[0];
  EXPECT_EQ(framing + 20000, p.delivered[0]);
  std::vector<char> buf(5000);
  ASSERT_EQ(p.server.read_body(0, buf), 5000u);
  EXPECT_EQ(p.quic.consumed_by[0], framing + 5000);
  EXPECT_EQ(read_all(p.server, 0).size(), 15000u);
  EXPECT_EQ(p.quic.consumed_by[0], p.delivered[0]);
  EXPECT_EQ(p.server.body_state(0), BodyState::ended);
}

TEST(Http3ServerSession, ReleaseCreditsUnreadBody) {
  config::Limits limits;
  Pair p(limits);
  std::string body(8000, 'u');
  p.request(0, "POST", "/u", {}, &body, true);
  ASSERT_TRUE(p.pump());
  ASSERT_TRUE(respond(p.server, 0, 200, ""));
  ASSERT_TRUE(p.pump());
  EXPECT_LT(p.quic.consumed_by[0], p.delivered[0]);
  p.server.release(0);
  EXPECT_EQ(p.quic.consumed_by[0], p.delivered[0]);
  EXPECT_EQ(p.server.live_streams(), 0u);
}

TEST(Http3ServerSession, EarlyResponseStopsRequestBody) {
  config::Limits limits;
  Pair p(limits);
  std::string part(500, 'e');
  p.request(0, "POST", "/early", {}, &part, false);
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  http::Response r;
  r.status = 403;
  ASSERT_TRUE(p.server.submit_response(0, r, true));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 403);
  EXPECT_TRUE(p.quic.stopped(0, kNoError));
  EXPECT_EQ(p.server.body_state(0), BodyState::reset);
  EXPECT_TRUE(p.closed.count(0));
  EXPECT_EQ(p.quic.consumed_by[0], p.delivered[0]);
}

TEST(Http3ServerSession, QpackBlockedRequestIsCreditedWhenUnblocked) {
  config::Limits limits;
  Pair p(limits);
  ASSERT_TRUE(p.pump());  // SETTINGS exchanged: the client may use the dynamic table
  p.hold.insert(6);       // the client's QPACK encoder stream
  std::string body(1000, 'q');
  p.request(0, "POST", "/q", {{"x-custom-field", "some-value-to-index"}}, &body, true);
  ASSERT_TRUE(p.pump());
  ASSERT_FALSE(p.held[6].empty());
  EXPECT_TRUE(p.ev.requests.empty());  // blocked on the encoder stream
  EXPECT_LT(p.quic.consumed_by[0], p.delivered[0] - body.size());
  ASSERT_TRUE(p.release_held(6));
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(p.server.request(0).headers.get("x-custom-field").value_or(""),
            "some-value-to-index");
  // Framing of the blocked stream is credited late (deferred_consume).
  EXPECT_EQ(p.quic.consumed_by[0] + body.size(), p.delivered[0]);
  EXPECT_EQ(read_all(p.server, 0), body);
  EXPECT_EQ(p.quic.consumed_by[0], p.delivered[0]);
  EXPECT_EQ(p.quic.consumed_by[6], p.delivered[6]);
}

TEST(Http3ServerSession, RespondFromOnRequest) {
  config::Limits limits;
  Pair p(limits);
  p.ev.on_req = [&](StreamId sid) {
    ASSERT_TRUE(respond(p.server, sid, 200, "sync " + p.server.request(sid).target));
  };
  p.request(0, "GET", "/a");
  p.request(4, "GET", "/b");
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].resp_body, "sync /a");
  EXPECT_EQ(p.streams[4].resp_body, "sync /b");
  EXPECT_TRUE(p.streams[0].closed);
  EXPECT_TRUE(p.streams[4].closed);
}

TEST(Http3ServerSession, OversizedRequestTrailersResetStream) {
  config::Limits limits;
  limits.max_header_bytes = 600;
  Pair p(limits);
  auto before = errors("header_list");
  std::string body = "data";
  p.request(0, "POST", "/t", {}, &body, true, {{"x-trailer", std::string(800, 't')}});
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(errors("header_list") - before, 1u);
  EXPECT_TRUE(p.quic.reset(0, kExcessiveLoad));
  EXPECT_EQ(p.server.request_trailers(0), nullptr);
  EXPECT_FALSE(p.server.writable(0));
  EXPECT_TRUE(p.closed.count(0));
  // Released after QUIC closed it: forgotten at once.
  p.server.release(0);
  EXPECT_EQ(p.server.live_streams(), 0u);
}

TEST(Http3ServerSession, ChunkedResponseWithPartialAcks) {
  config::Limits limits;
  Pair p(limits);
  p.auto_ack = false;
  p.request(0, "GET", "/chunks");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  ASSERT_TRUE(p.server.submit_response(0, http::Response{}, false));
  std::string expect;
  for (int i = 0; i < 40; ++i) {
    std::string piece(3000 + i, char('A' + i % 26));
    expect += piece;
    ASSERT_TRUE(p.server.submit_data(0, {piece.data(), piece.size()}, i == 39));
    if (i % 3 == 0) {
      ASSERT_TRUE(p.pump());
    }
    if (i % 5 == 0 && p.unacked[0] > 1000) {
      ASSERT_TRUE(p.ack(0, p.unacked[0] - 1000));
    }
  }
  // Released before QUIC closes the stream: the response still completes.
  p.server.release(0);
  EXPECT_EQ(p.server.live_streams(), 1u);
  ASSERT_TRUE(p.pump());
  EXPECT_GT(p.server.unacked(0), 0u);
  EXPECT_EQ(p.server.buffered(0), 0u);
  ASSERT_TRUE(p.ack(0, p.unacked[0]));
  EXPECT_EQ(p.server.unacked(0), 0u);
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].resp_body, expect);
  EXPECT_TRUE(p.streams[0].closed);
  EXPECT_EQ(p.server.live_streams(), 0u);
  EXPECT_EQ(p.quic.done.size(), 1u);
}

TEST(Http3ServerSession, HandlerReleasesFromWakeOnClose) {
  config::Limits limits;
  Pair p(limits);
  int token = 0;
  p.ev.on_req = [&](StreamId sid) {
    p.server.set_user(sid, &token);
    ASSERT_TRUE(respond(p.server, sid, 200, "w"));
  };
  p.ev.on_wake = [&](StreamId sid) {
    if (!p.server.writable(sid)) p.server.release(sid);
  };
  for (StreamId sid = 0; sid < 160; sid += 4) p.request(sid, "GET", "/w");
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.ev.requests.size(), 40u);
  EXPECT_EQ(p.server.live_streams(), 0u);
  EXPECT_EQ(p.quic.done.size(), 40u);
  EXPECT_EQ(p.streams[156].resp_body, "w");
}

TEST(Http3ServerSession, HeadAnd204DropBody) {
  config::Limits limits;
  Pair p(limits);
  p.request(0, "HEAD", "/h");
  p.request(4, "GET", "/nc");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 2u);
  ASSERT_TRUE(respond(p.server, 0, 200, "not sent"));
  ASSERT_TRUE(respond(p.server, 4, 204, "not sent either"));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 200);
  EXPECT_EQ(p.streams[0].resp_body, "");
  EXPECT_TRUE(p.streams[0].closed);
  EXPECT_EQ(p.streams[4].status, 204);
  EXPECT_EQ(p.streams[4].resp_body, "");
  EXPECT_TRUE(p.streams[4].closed);
}

TEST(Http3ServerSession, InterimThenFinal) {
  config::Limits limits;
  Pair p(limits);
  p.request(0, "GET", "/i");
  ASSERT_TRUE(p.pump());
  http::Response hint;
  hint.status = 103;
  hint.headers.add("link", "</s.css>; rel=preload");
  ASSERT_TRUE(p.server.submit_interim(0, hint));
  ASSERT_TRUE(respond(p.server, 0, 200, "x"));
  ASSERT_TRUE(p.pump());
  EXPECT_EQ(p.streams[0].status, 200);  // final status overrides the 103
  EXPECT_EQ(p.streams[0].headers.get("link").value_or(""), "</s.css>; rel=preload");
  EXPECT_EQ(p.streams[0].resp_body, "x");
}

TEST(Http3ServerSession, ServerResetAbortsBothWays) {
  config::Limits limits;
  Pair p(limits);
  std::string part(10, 'r');
  p.request(0, "POST", "/r", {}, &part, false);
  ASSERT_TRUE(p.pump());
  p.server.reset(0, kInternalError);
  EXPECT_TRUE(p.quic.reset(0, kInternalError));
  EXPECT_TRUE(p.quic.stopped(0, kInternalError));
  EXPECT_FALSE(p.server.writable(0));
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.closed.count(0));
  EXPECT_EQ(p.streams[0].close_code, kInternalError);
  p.server.release(0);
  EXPECT_EQ(p.server.live_streams(), 0u);
}

TEST(Http3ServerSession, MalformedRequestIsResetNotDispatched) {
  config::Limits limits;
  Pair p(limits);
  auto before = errors("message");
  p.request(0, "GET", "/m", {{"connection", "close"}});  // forbidden in HTTP/3
  ASSERT_TRUE(p.pump());
  EXPECT_TRUE(p.ev.requests.empty());
  EXPECT_TRUE(p.quic.reset(0, kMessageError));
  EXPECT_EQ(errors("message") - before, 1u);
  EXPECT_EQ(p.server.live_streams(), 0u);
}

TEST(Http3ServerSession, BadPeerInputFailsConnectionWithErrorCode) {
  config::Limits limits;
  Pair p(limits);
  ASSERT_TRUE(p.pump());
  auto before = errors("protocol");
  const std::uint8_t second_control[] = {0x00, 0x04, 0x00};  // another control stream
  EXPECT_FALSE(p.server.receive(14, second_control, false));
  EXPECT_EQ(p.server.error_code(), NGHTTP3_H3_STREAM_CREATION_ERROR);
  EXPECT_EQ(errors("protocol") - before, 1u);
  StreamId sid = 0;
  bool fin = false;
  nghttp3_vec v[4];
  EXPECT_EQ(p.server.next_write(sid, fin, v), -1);
  // Closing a critical stream is a connection error too.
  Pair q(limits);
  ASSERT_TRUE(q.pump());
  EXPECT_FALSE(q.server.stream_closed(2, kNoError));
  EXPECT_EQ(q.server.error_code(), NGHTTP3_H3_CLOSED_CRITICAL_STREAM);
  // Data before start() is refused, not asserted on.
  test::FakeQuic quic;
  test::Events ev;
  ServerSession early(limits, Settings{}, ev, quic);
  EXPECT_FALSE(early.receive(0, second_control, false));
  EXPECT_EQ(early.error_code(), kInternalError);
  // shutdown() before start(): remembered, GOAWAY queued by start().
  ServerSession early2(limits, Settings{}, ev, quic);
  early2.shutdown();
  EXPECT_TRUE(early2.shutting_down());
  ASSERT_TRUE(early2.start(3, 7, 11));
  EXPECT_GT(early2.next_write(sid, fin, v), 0);
  EXPECT_EQ(sid, 3);
}

}  // namespace
}  // namespace strata::codec::http3

namespace strata::codec::http3 {
namespace {

// timeouts.header support: a request stream whose HEADERS frame began but
// never completed is found by oldest_pending_head() and reset by
// expire_heads(); complete requests are not touched.
TEST(Http3ServerSession, ExpireHeadsResetsOnlyIncompleteHeads) {
  config::Limits limits;
  Pair p(limits);
  p.request(4, "GET", "/complete");
  ASSERT_TRUE(p.pump());
  ASSERT_EQ(p.ev.requests.size(), 1u);
  EXPECT_EQ(p.server.oldest_pending_head(), core::Clock::time_point::max());
  auto began = p.clock.now();
  // HEADERS (type 1) announcing 16 bytes; only the QPACK prefix and one
  // field arrive.
  const std::uint8_t partial[] = {0x01, 0x10, 0x00, 0x00, 0xd1};
  ASSERT_TRUE(p.server.receive(0, partial, false));
  EXPECT_EQ(p.server.oldest_pending_head(), began);
  p.clock.advance(std::chrono::seconds(9));
  EXPECT_EQ(p.server.expire_heads(p.clock.now() - std::chrono::seconds(10)), 0u);
  p.clock.advance(std::chrono::seconds(2));
  EXPECT_EQ(p.server.expire_heads(p.clock.now() - std::chrono::seconds(10)), 1u);
  EXPECT_TRUE(p.quic.reset(0, kRequestCancelled));
  EXPECT_TRUE(p.quic.stopped(0, kRequestCancelled));
  EXPECT_FALSE(p.quic.reset(4, kRequestCancelled));
  EXPECT_EQ(p.server.oldest_pending_head(), core::Clock::time_point::max());
  EXPECT_EQ(p.ev.requests.size(), 1u);
}

}  // namespace
}  // namespace strata::codec::http3

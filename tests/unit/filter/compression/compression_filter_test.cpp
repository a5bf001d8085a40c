// The compression filter on a FilterExchange over the fake exchange: head
// edits (Content-Encoding, Vary merged, Content-Length and Accept-Ranges
// gone, weak ETag), the streamed body decodes to the original and each
// piece goes out when it comes in, every skip reason, a route filter and a
// listener filter never encode twice, and the metrics count.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "filter/chain.hpp"
#include "filter/compression/compression_filter.hpp"
#include "filter/filter_exchange.hpp"
#include "obs/metrics.hpp"
#include "unit/filter/compression/decoders.hpp"
#include "unit/support/fake_exchange.hpp"

using namespace strata;
using filter::compression::Encoding;

namespace {

std::string text(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "{\"hello\":\"world\",\"n\":" + std::to_string(s.size()) + "}\n";
  s.resize(n);
  return s;
}

template <class F>
void run(boost::asio::io_context& io, F f) {
  bool done = false;
  boost::asio::co_spawn(io, f(), [&](std::exception_ptr e) {
    done = true;
    if (e) std::rethrow_exception(e);
  });
  io.restart();
  io.run();
  ASSERT_TRUE(done);
}

obs::Counter& skipped(std::string_view reason) {
  return obs::counter("strata_compression_skipped_total",
                      "Responses of a compression filter sent uncompressed, by reason",
                      {{"reason", std::string(reason)}});
}
obs::Counter& responses(std::string_view enc) {
  return obs::counter("strata_compression_responses_total", "Responses compressed, by content coding",
                      {{"encoding", std::string(enc)}});
}

struct Rig {
  boost::asio::io_context io;
  filter::Chain listener;
  test::FakeExchange inner{io};
  http::RequestContext ctx;
  filter::FilterExchange fx{inner, ctx, &listener};
  http::Response head;

  explicit Rig(config::CompressionConfig c = {}) {
    listener.add(std::make_shared<filter::compression::CompressionFilter>(c));
    head.status = 200;
    head.headers.add("content-type", "application/json");
  }
  // Sends `body` in `pieces` pieces; records what each send produced.
  void send(const std::string& body, int pieces = 1) {
    run(io, [&]() -> boost::asio::awaitable<void> {
      if (co_await fx.send_head(head, false)) co_return;
      const std::size_t step = (body.size() + pieces - 1) / pieces;
      for (std::size_t pos = 0; pos < body.size(); pos += step) {
        const std::size_t n = std::min(step, body.size() - pos);
        const std::size_t before = inner.body.size();
        co_await fx.send_body(std::span<const char>(body.data() + pos, n), false);
        grew.push_back(inner.body.size() > before);
      }
      co_await fx.send_body({}, true);
    });
  }
  std::vector<bool> grew;
};

TEST(CompressionFilter, CompressesAndEditsTheHead) {
  Rig s;
  s.inner.req.headers.add("accept-encoding", "gzip, deflate, br, zstd");
  s.head.headers.add("content-length", "5000");
  s.head.headers.add("vary", "Origin");
  s.head.headers.add("etag", "\"abc\"");
  s.head.headers.add("accept-ranges", "bytes");
  const std::string body = text(5000);
  s.send(body);
  EXPECT_EQ(s.inner.header("content-encoding"), "zstd");
  EXPECT_EQ(s.inner.head->headers.joined("vary"), "Origin, Accept-Encoding");
  EXPECT_FALSE(s.inner.head->headers.has("content-length"));
  EXPECT_FALSE(s.inner.head->headers.has("accept-ranges"));
  EXPECT_EQ(s.inner.header("etag"), "W/\"abc\"");
  EXPECT_LT(s.inner.body.size(), body.size() / 2);
  EXPECT_EQ(test::decode_all(Encoding::zstd, s.inner.body), body);
  EXPECT_EQ(s.ctx.bytes_sent, s.inner.body.size());
}

TEST(CompressionFilter, EachCodingDecodes) {
  for (const char* ae : {"gzip", "br", "zstd"}) {
    Rig s;
    s.inner.req.headers.add("accept-encoding", ae);
    const std::string body = text(20000);
    s.send(body, 3);
    ASSERT_EQ(s.inner.header("content-encoding"), ae);
    EXPECT_EQ(test::decode_all(*filter::compression::encoding_from_name(ae), s.inner.body), body);
  }
}

TEST(CompressionFilter, StreamsEveryPieceAtOnce) {
  Rig s;
  s.inner.req.headers.add("accept-encoding", "br");
  const std::string body = text(100000);
  s.send(body, 10);
  ASSERT_EQ(s.grew.size(), 10u);
  for (bool g : s.grew) EXPECT_TRUE(g) << "each piece is flushed to the client";
  EXPECT_EQ(test::decode_all(Encoding::br, s.inner.body), body);
}

TEST(CompressionFilter, ConfiguredPreferenceAndWeakEtagKept) {
  config::CompressionConfig c;
  c.encodings = {"gzip", "br"};
  Rig s(c);
  s.inner.req.headers.add("accept-encoding", "zstd, br, gzip");
  s.head.headers.add("etag", "W/\"weak\"");
  s.head.headers.add("vary", "accept-encoding");
  const std::string body = text(1000);
  s.send(body);
  EXPECT_EQ(s.inner.header("content-encoding"), "gzip");
  EXPECT_EQ(s.inner.header("etag"), "W/\"weak\"");
  EXPECT_EQ(s.inner.head->headers.joined("vary"), "accept-encoding");
  EXPECT_EQ(test::decode_all(Encoding::gzip, s.inner.body), body);
}

struct SkipCase {
  const char* name;
  const char* reason;
  void (*setup)(Rig&);
  bool vary;  // Vary: Accept-Encoding expected anyway
};

TEST(CompressionFilter, Skips) {
  const SkipCase cases[] = {
      {"head", "method", [](Rig& s) { s.inner.req.method = "HEAD"; }, false},
      {"connect", "method", [](Rig& s) { s.inner.req.method = "CONNECT"; }, false},
      {"204", "status", [](Rig& s) { s.head.status = 204; }, false},
      {"304", "status", [](Rig& s) { s.head.status = 304; }, false},
      {"206", "range", [](Rig& s) {
         s.head.status = 206;
         s.head.headers.add("content-range", "bytes 0-99/1000");
       }, false},
      {"encoded", "encoded", [](Rig& s) { s.head.headers.add("content-encoding", "gzip"); }, false},
      {"no-transform", "no_transform",
       [](Rig& s) { s.head.headers.add("cache-control", "public, no-transform"); }, false},
      {"request no-transform", "no_transform",
       [](Rig& s) { s.inner.req.headers.add("cache-control", "No-Transform"); }, false},
      {"sse", "sse", [](Rig& s) { s.head.headers.set("content-type", "text/event-stream"); }, false},
      {"png", "type", [](Rig& s) { s.head.headers.set("content-type", "image/png"); }, false},
      {"no type", "type", [](Rig& s) { s.head.headers.remove("content-type"); }, false},
      {"small", "small", [](Rig& s) { s.head.headers.add("content-length", "255"); }, false},
      {"not accepted", "not_accepted",
       [](Rig& s) { s.inner.req.headers.set("accept-encoding", "deflate"); }, true},
      {"no accept-encoding", "not_accepted",
       [](Rig& s) { s.inner.req.headers.remove("accept-encoding"); }, true},
  };
  for (const auto& c : cases) {
    Rig s;
    s.inner.req.headers.add("accept-encoding", "gzip, br, zstd");
    c.setup(s);
    auto& counter = skipped(c.reason);
    const auto before = counter.value();
    const std::string body = text(1000);
    s.send(body);
    EXPECT_EQ(counter.value(), before + 1) << c.name;
    EXPECT_EQ(s.inner.header("content-encoding"),
              std::string_view(c.reason) == "encoded" ? "gzip" : "") << c.name;
    EXPECT_EQ(s.inner.body, body) << c.name;
    EXPECT_EQ(s.inner.head->headers.has("vary"), c.vary) << c.name;
  }
}

TEST(CompressionFilter, AtMinLengthOrUnknownLengthCompresses) {
  for (const char* cl : {"256", ""}) {
    Rig s;
    s.inner.req.headers.add("accept-encoding", "gzip");
    if (*cl) s.head.headers.add("content-length", cl);
    s.send(text(256));
    EXPECT_EQ(s.inner.header("content-encoding"), "gzip") << cl;
  }
}

TEST(CompressionFilter, TypesMatchWithParametersAndWildcards) {
  config::CompressionConfig c;
  c.types = {"text/*", "application/vnd.api+json"};
  filter::compression::Policy p(c);
  EXPECT_TRUE(p.type_listed("text/html; charset=utf-8"));
  EXPECT_TRUE(p.type_listed("TEXT/CSS"));
  EXPECT_TRUE(p.type_listed("application/vnd.api+json"));
  EXPECT_FALSE(p.type_listed("application/json"));
  EXPECT_FALSE(p.type_listed("textual/x"));
  EXPECT_FALSE(p.type_listed(""));
  filter::compression::Policy d{config::CompressionConfig{}};
  EXPECT_TRUE(d.type_listed("application/json; charset=utf-8"));
  EXPECT_TRUE(d.type_listed("image/svg+xml"));
  EXPECT_FALSE(d.type_listed("image/png"));
  EXPECT_FALSE(d.type_listed("application/octet-stream"));
}

TEST(CompressionFilter, VaryMerge) {
  using filter::compression::add_vary_accept_encoding;
  http::Headers h;
  add_vary_accept_encoding(h);
  EXPECT_EQ(h.joined("vary"), "Accept-Encoding");
  http::Headers two;
  two.add("vary", "Origin");
  two.add("vary", "Cookie");
  add_vary_accept_encoding(two);
  EXPECT_EQ(two.joined("vary"), "Origin, Cookie, Accept-Encoding");
  http::Headers star;
  star.add("vary", "*");
  add_vary_accept_encoding(star);
  EXPECT_EQ(star.joined("vary"), "*");
  http::Headers has;
  has.add("vary", "origin, ACCEPT-ENCODING");
  add_vary_accept_encoding(has);
  EXPECT_EQ(has.joined("vary"), "origin, ACCEPT-ENCODING");
}

TEST(CompressionFilter, RouteAndListenerFiltersEncodeOnce) {
  Rig s;
  filter::Chain route;
  route.add(std::make_shared<filter::compression::CompressionFilter>(config::CompressionConfig{}));
  s.fx.set_route_chain(&route);
  s.inner.req.headers.add("accept-encoding", "br");
  const auto encoded_before = skipped("encoded").value();
  const std::string body = text(4000);
  s.send(body, 2);
  EXPECT_EQ(s.inner.header("content-encoding"), "br");
  EXPECT_EQ(skipped("encoded").value(), encoded_before + 1);  // the listener's saw it encoded
  EXPECT_EQ(test::decode_all(Encoding::br, s.inner.body), body);
}

TEST(CompressionFilter, TrailersFlushTheStreamFirst) {
  Rig s;
  s.inner.req.headers.add("accept-encoding", "gzip");
  const std::string body = text(3000);
  run(s.io, [&]() -> boost::asio::awaitable<void> {
    co_await s.fx.send_head(s.head, false);
    co_await s.fx.send_body(std::span<const char>(body.data(), body.size()), false);
    http::Headers t;
    t.add("grpc-status", "0");
    co_await s.fx.send_trailers(t);
  });
  ASSERT_TRUE(s.inner.trailers.has_value());
  EXPECT_EQ(test::decode_all(Encoding::gzip, s.inner.body), body);
}

TEST(CompressionFilter, Metrics) {
  auto& resp = responses("gzip");
  auto& in = obs::counter("strata_compression_bytes_in_total",
                          "Body bytes given to the compressor, by content coding",
                          {{"encoding", "gzip"}});
  auto& out = obs::counter("strata_compression_bytes_out_total",
                           "Compressed body bytes sent, by content coding", {{"encoding", "gzip"}});
  const auto r0 = resp.value(), i0 = in.value(), o0 = out.value();
  Rig s;
  s.inner.req.headers.add("accept-encoding", "gzip");
  s.send(text(10000), 4);
  EXPECT_EQ(resp.value(), r0 + 1);
  EXPECT_EQ(in.value(), i0 + 10000);
  EXPECT_EQ(out.value(), o0 + s.inner.body.size());
  const std::string text = obs::Registry::global().render();
  EXPECT_NE(text.find("strata_compression_skipped_total{reason=\"small\"}"), std::string::npos);
}

}  // namespace

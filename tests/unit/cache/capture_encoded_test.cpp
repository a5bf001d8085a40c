// cache/capture_exchange on a compressing route (encoded variants,
// docs/cache.md "Compressed variants"), with a fake client exchange and a
// real store: a storable response is encoded once, stored encoded and
// streamed encoded at once (each flushed piece decodes); the client sees
// the per-coding ETag while the store keeps the origin's; "identity" is
// stored plain with Vary; an origin's own Content-Encoding or Vary:
// Accept-Encoding, a type or size the policy skips, and an unstorable
// response keep today's behaviour; over the limit streams on unstored;
// the encoder's tail goes before trailers.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "cache/capture_exchange.hpp"
#include "cache/encoded_variant.hpp"
#include "cache/key.hpp"
#include "filter/compression/compression_filter.hpp"
#include "unit/filter/compression/decoders.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::cache {
namespace {

namespace asio = boost::asio;

struct Upstream {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> pieces;
  bool trailers = false;
};

asio::awaitable<void> answer(http::Exchange& ex, const Upstream& u) {
  http::Response r;
  r.status = 200;
  for (const auto& [k, v] : u.fields) r.headers.add(k, v);
  co_await ex.send_head(r, false);
  for (std::size_t i = 0; i < u.pieces.size(); ++i)
    co_await ex.send_body(std::span<const char>(u.pieces[i].data(), u.pieces[i].size()),
                          !u.trailers && i + 1 == u.pieces.size());
  if (u.trailers) {
    http::Headers t;
    t.add("grpc-status", "0");
    co_await ex.send_trailers(t);
  }
}

std::string text(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "{\"id\":" + std::to_string(s.size() % 997) + ",\"name\":\"user\"},\n";
  s.resize(n);
  return s;
}

std::string gunzip(std::string_view z) {
  test::GzipDecoder d;
  std::string out;
  d.feed(z, out);
  EXPECT_TRUE(d.finished());
  return out;
}

struct CaptureEncoded : ::testing::Test {
  asio::io_context io;
  core::FakeWallClock clock;
  config::RouteCache rc;
  std::shared_ptr<Store> store = Store::create(config::CacheStorage{}, clock);
  std::shared_ptr<const filter::compression::CompressionFilter> comp =
      std::make_shared<filter::compression::CompressionFilter>(config::CompressionConfig{});
  test::FakeExchange client{io};
  const std::string body = text(3000);

  Upstream json(std::vector<std::pair<std::string, std::string>> extra = {}) {
    Upstream u;
    u.fields = {{"cache-control", "max-age=60"}, {"content-type", "application/json"},
                {"etag", "\"v1\""}, {"content-length", std::to_string(body.size())},
                {"accept-ranges", "bytes"}};
    for (auto& f : extra) u.fields.push_back(std::move(f));
    u.pieces = {body.substr(0, 1000), body.substr(1000)};
    return u;
  }
  // One upstream response through a CaptureExchange to `client` (reset first).
  void run(const Upstream& u, std::string coding, std::uint64_t limit = 1 << 20) {
    client.head.reset();
    client.body.clear();
    client.trailers.reset();
    client.ended = false;
    CaptureParams p;
    p.store = store;
    p.rc = &rc;
    p.clock = &clock;
    p.key = primary_key(client.req, "", rc.key);
    p.url = request_url(client.req);
    p.method = client.req.method;
    p.client = client.req.headers;
    p.request_time = clock.now();
    p.limit = limit;
    p.compress = comp;
    p.coding = std::move(coding);
    CaptureExchange cx(client, std::move(p));
    asio::co_spawn(io, answer(cx, u), asio::detached);
    io.run();
  }
  ObjectPtr stored(std::string_view coding) {
    return store->find(primary_key(client.req, "", rc.key),
                       [&](const Object& o) { return vary_matches(o, client.req.headers, coding); });
  }
};

TEST_F(CaptureEncoded, StoresAndStreamsTheEncodedVariant) {
  run(json(), "gzip");
  EXPECT_EQ(client.header("content-encoding"), "gzip");
  EXPECT_EQ(client.header("content-length"), "");
  EXPECT_EQ(client.header("accept-ranges"), "");
  EXPECT_EQ(client.header("vary"), "Accept-Encoding");
  EXPECT_EQ(client.header("etag"), "W/\"v1-gzip\"");
  EXPECT_EQ(gunzip(client.body), body);
  auto o = stored("gzip");
  ASSERT_TRUE(o);
  EXPECT_EQ(*o->body, client.body);  // what was sent is what is stored
  EXPECT_EQ(variant_coding(*o), "gzip");
  EXPECT_EQ(*o->header("etag"), "\"v1\"");  // the origin's, for revalidation
  EXPECT_EQ(*o->header("content-encoding"), "gzip");
  EXPECT_EQ(o->header("content-length"), nullptr);
  for (const auto& f : o->vary) EXPECT_NE(f.name, "accept-encoding");
  EXPECT_FALSE(stored("br"));
  EXPECT_FALSE(stored("identity"));
}

TEST_F(CaptureEncoded, EachCodingIsItsOwnVariant) {
  run(json(), "br");
  io.restart();
  run(json(), "zstd");
  auto br = stored("br");
  auto zs = stored("zstd");
  ASSERT_TRUE(br && zs);
  EXPECT_NE(br, zs);
  test::BrotliDecoder db;
  std::string out;
  db.feed(*br->body, out);
  EXPECT_EQ(out, body);
  test::ZstdDecoder dz;
  out.clear();
  dz.feed(*zs->body, out);
  EXPECT_EQ(out, body);
  EXPECT_EQ(store->variants(br->key).size(), 2u);
}

TEST_F(CaptureEncoded, IdentityIsStoredPlainWithVary) {
  run(json(), "identity");
  EXPECT_EQ(client.body, body);
  EXPECT_EQ(client.header("content-encoding"), "");
  EXPECT_EQ(client.header("vary"), "Accept-Encoding");
  EXPECT_EQ(client.header("etag"), "\"v1\"");
  auto o = stored("identity");
  ASSERT_TRUE(o);
  EXPECT_EQ(*o->body, body);
  EXPECT_EQ(*o->header("content-length"), std::to_string(body.size()));
  EXPECT_FALSE(stored("gzip"));
}

TEST_F(CaptureEncoded, OriginEncodingOrVaryAndSkippedTypesAreStoredAsSent) {
  const std::vector<std::vector<std::pair<std::string, std::string>>> cases = {
      {{"content-encoding", "gzip"}},        // never encoded twice
      {{"vary", "Accept-Encoding, Origin"}},  // the origin's own variants
      {{"cache-control", "no-transform"}},
  };
  for (const auto& extra : cases) {
    store->purge_all(PurgeMode::hard);
    io.restart();
    run(json(extra), "gzip");
    EXPECT_EQ(client.body, body);
    EXPECT_EQ(client.header("etag"), "\"v1\"");
    auto o = stored("gzip");
    ASSERT_TRUE(o);
    EXPECT_EQ(variant_coding(*o), "");
    EXPECT_EQ(*o->body, body);
  }
  store->purge_all(PurgeMode::hard);
  io.restart();
  auto png = json();
  for (auto& [k, v] : png.fields)
    if (k == "content-type") v = "image/png";
  run(png, "gzip");
  EXPECT_EQ(client.body, body);
  ASSERT_TRUE(stored("gzip"));
  EXPECT_EQ(variant_coding(*stored("gzip")), "");
}

TEST_F(CaptureEncoded, UnstorableIsLeftToTheFilter) {
  auto u = json();
  u.fields[0].second = "no-store";
  run(u, "gzip");
  EXPECT_EQ(client.body, body);  // the route's compression filter encodes it
  EXPECT_EQ(client.header("content-encoding"), "");
  EXPECT_FALSE(stored("gzip"));
}

TEST_F(CaptureEncoded, OverTheLimitStreamsOnEncodedButUnstored) {
  run(json(), "gzip", /*limit=*/10);
  EXPECT_EQ(gunzip(client.body), body);
  EXPECT_FALSE(stored("gzip"));
}

TEST_F(CaptureEncoded, TheEncodersTailGoesBeforeTrailers) {
  auto u = json();
  u.trailers = true;
  run(u, "gzip");
  ASSERT_TRUE(client.trailers);
  EXPECT_EQ(gunzip(client.body), body);
  auto o = stored("gzip");
  ASSERT_TRUE(o);
  EXPECT_EQ(*o->body, client.body);
}

}  // namespace
}  // namespace strata::cache

// cache/encoded_variant: the variant key of a request on a compressing
// route is its NEGOTIATED coding (spellings of one preference share it,
// Range and no-transform select identity), the ":coding" Vary member
// matches only that coding, encoded variants show a per-coding weak ETag
// that If-None-Match compares against, and a 304 keeps their Vary.
#include <gtest/gtest.h>

#include "cache/conditional.hpp"
#include "cache/encoded_variant.hpp"
#include "cache/key.hpp"
#include "filter/compression/policy.hpp"

namespace strata::cache {
namespace {

http::Headers ae(std::string_view v) {
  http::Headers h;
  h.add("accept-encoding", v);
  return h;
}

struct EncodedVariant : ::testing::Test {
  filter::compression::Policy policy{config::CompressionConfig{}};  // zstd, br, gzip
  std::string_view coding(const http::Headers& h) { return request_coding(&policy, h); }
};

TEST_F(EncodedVariant, SpellingsOfOnePreferenceShareAKey) {
  EXPECT_EQ(coding(ae("gzip, br")), "br");
  EXPECT_EQ(coding(ae("br;q=1, gzip")), "br");
  EXPECT_EQ(coding(ae("BR;q=1.000,gzip;q=0.5")), "br");
  EXPECT_EQ(coding(ae("gzip")), "gzip");
  EXPECT_EQ(coding(ae("x-gzip")), "gzip");
  EXPECT_EQ(coding(ae("GZIP;q=1.0")), "gzip");
  EXPECT_EQ(coding(ae("gzip, deflate, br, zstd")), "zstd");
  EXPECT_EQ(coding(ae("*")), "zstd");
}

TEST_F(EncodedVariant, NothingAcceptableRangeAndNoTransformSelectIdentity) {
  EXPECT_EQ(coding(http::Headers{}), "identity");
  EXPECT_EQ(coding(ae("identity")), "identity");
  EXPECT_EQ(coding(ae("deflate")), "identity");
  EXPECT_EQ(coding(ae("gzip;q=0.5, identity")), "identity");
  EXPECT_EQ(coding(ae("*;q=0")), "identity");
  auto r = ae("gzip");
  r.add("range", "bytes=0-9");
  EXPECT_EQ(coding(r), "identity");
  auto nt = ae("gzip");
  nt.add("cache-control", "max-age=0, no-transform");
  EXPECT_EQ(coding(nt), "identity");
}

TEST_F(EncodedVariant, NoPolicyNoCoding) {
  EXPECT_EQ(request_coding(nullptr, ae("gzip")), "");
  EXPECT_FALSE(is_encoded_coding("identity"));
  EXPECT_FALSE(is_encoded_coding(""));
  EXPECT_TRUE(is_encoded_coding("br"));
}

TEST_F(EncodedVariant, AtMostOneVariantPerCoding) {
  config::CompressionConfig c;
  c.encodings = {"gzip"};
  filter::compression::Policy only_gzip(c);
  // Every header that negotiates gzip maps to one key; anything else to identity.
  for (auto v : {"gzip", "gzip, br", "br, gzip;q=0.9", "*", "x-gzip;q=0.3"})
    EXPECT_EQ(request_coding(&only_gzip, ae(v)), "gzip") << v;
  for (auto v : {"br", "zstd, br", "gzip;q=0"})
    EXPECT_EQ(request_coding(&only_gzip, ae(v)), "identity") << v;
}

TEST_F(EncodedVariant, CodingMemberMatchesOnlyThatCoding) {
  Object o;
  o.vary = {{"accept-language", "de"}, {std::string(kCodingMember), "gzip"}};
  http::Headers h = ae("whatever the spelling");
  h.add("accept-language", "de");
  EXPECT_EQ(variant_coding(o), "gzip");
  EXPECT_TRUE(vary_matches(o, h, "gzip"));
  EXPECT_FALSE(vary_matches(o, h, "br"));
  EXPECT_FALSE(vary_matches(o, h, "identity"));
  EXPECT_FALSE(vary_matches(o, h));  // a route without compression never uses it
  http::Headers fr = h;
  fr.set("accept-language", "fr");
  EXPECT_FALSE(vary_matches(o, fr, "gzip"));  // the other members still count
  Object plain;  // stored as the origin sent it
  EXPECT_EQ(variant_coding(plain), "");
  EXPECT_TRUE(vary_matches(plain, h, "gzip"));
}

TEST_F(EncodedVariant, EtagRule) {
  EXPECT_EQ(representation_etag("\"v1\"", "gzip"), "W/\"v1-gzip\"");
  EXPECT_EQ(representation_etag("W/\"v1\"", "br"), "W/\"v1-br\"");
  EXPECT_EQ(representation_etag("\"v1\"", "zstd"), "W/\"v1-zstd\"");
  EXPECT_EQ(representation_etag("\"v1\"", "identity"), "\"v1\"");
  EXPECT_EQ(representation_etag("\"v1\"", ""), "\"v1\"");
  EXPECT_EQ(representation_etag("", "gzip"), "");
  EXPECT_EQ(representation_etag("unquoted", "gzip"), "W/\"unquoted-gzip\"");
}

Object variant(std::string coding, std::string etag) {
  Object o;
  o.headers = {{"etag", std::move(etag)}, {"vary", "Accept-Encoding"}};
  o.vary = {{std::string(kCodingMember), std::move(coding)}};
  o.body = std::make_shared<const std::string>("x");
  return o;
}

TEST_F(EncodedVariant, IfNoneMatchComparesTheRepresentationsTag) {
  const Object gz = variant("gzip", "\"v1\"");
  const Object id = variant("identity", "\"v1\"");
  EXPECT_EQ(object_etag(gz), "W/\"v1-gzip\"");
  EXPECT_EQ(object_etag(id), "\"v1\"");
  http::Headers inm;
  inm.add("if-none-match", "W/\"v1-gzip\"");
  EXPECT_TRUE(not_modified(inm, gz));
  EXPECT_FALSE(not_modified(inm, id));
  inm.set("if-none-match", "\"v1\"");
  EXPECT_FALSE(not_modified(inm, gz));  // the identity body is another representation
  EXPECT_TRUE(not_modified(inm, id));
  inm.set("if-none-match", "W/\"v1-br\"");
  EXPECT_FALSE(not_modified(inm, gz));
  inm.set("if-none-match", "*");
  EXPECT_TRUE(not_modified(inm, gz));
  // Revalidation upstream sends the origin's own tag.
  http::Headers up;
  add_validators(up, gz);
  EXPECT_EQ(up.get("if-none-match").value_or(""), "\"v1\"");
}

TEST_F(EncodedVariant, A304KeepsTheVariantsHead) {
  Object gz = variant("gzip", "\"v1\"");
  gz.headers.push_back({"content-encoding", "gzip"});
  http::Headers h304;
  h304.add("vary", "Origin");
  h304.add("etag", "\"v1\"");
  h304.add("cache-control", "max-age=9");
  const Object n = updated_by_304(gz, h304, {}, {});
  EXPECT_EQ(*n.header("vary"), "Accept-Encoding");
  EXPECT_EQ(*n.header("content-encoding"), "gzip");
  EXPECT_EQ(*n.header("cache-control"), "max-age=9");
  EXPECT_EQ(object_etag(n), "W/\"v1-gzip\"");
  EXPECT_EQ(variant_coding(n), "gzip");
  // An object stored as the origin sent it takes the 304's Vary, as before.
  Object plain = gz;
  plain.vary.clear();
  EXPECT_EQ(*updated_by_304(plain, h304, {}, {}).header("vary"), "Origin");
}

}  // namespace
}  // namespace strata::cache

namespace strata::cache {
namespace {

TEST(OriginIfNoneMatch, AddsTheOriginTagAfterEachOfOurs) {
  EXPECT_EQ(origin_if_none_match("W/\"v1-gzip\""), "W/\"v1-gzip\", \"v1\"");
  EXPECT_EQ(origin_if_none_match("\"a\", W/\"x-y-br\" ,W/\"z-zstd\""),
            "\"a\", W/\"x-y-br\", \"x-y\", W/\"z-zstd\", \"z\"");
  EXPECT_EQ(origin_if_none_match("W/\"x,1-gzip\""), "W/\"x,1-gzip\", \"x,1\"");  // comma inside
}

TEST(OriginIfNoneMatch, LeavesOtherFieldsAlone) {
  EXPECT_EQ(origin_if_none_match("\"v1\""), "");
  EXPECT_EQ(origin_if_none_match("*"), "");
  EXPECT_EQ(origin_if_none_match("W/\"v1\""), "");
  EXPECT_EQ(origin_if_none_match("W/\"v1-deflate\""), "");   // not a coding we encode
  EXPECT_EQ(origin_if_none_match("\"v1-gzip\""), "");        // strong: not ours
  EXPECT_EQ(origin_if_none_match("W/\"-gzip\""), "");        // empty opaque
  EXPECT_EQ(origin_if_none_match("W/\"unterminated-gzip"), "");
  EXPECT_EQ(origin_if_none_match(""), "");
}

TEST(OriginIfNoneMatch, RoundTripsRepresentationEtag) {
  for (std::string_view c : {"gzip", "br", "zstd"})
    EXPECT_EQ(origin_if_none_match(representation_etag("\"abc\"", c)),
              representation_etag("\"abc\"", c) + ", \"abc\"");
}

}  // namespace
}  // namespace strata::cache

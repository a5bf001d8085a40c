// The streaming encoders (filter/compression/*_encoder.cpp): each round-trips
// through the real decoder, every flushed prefix decodes to all the input
// given so far, levels and size hints change nothing for the decoder, and
// an empty body is a valid stream.
#include <gtest/gtest.h>

#include <random>

#include "filter/compression/encoder.hpp"
#include "unit/filter/compression/decoders.hpp"

using namespace strata;
using filter::compression::Encoder;
using filter::compression::Encoding;
using filter::compression::make_encoder;

namespace {

// Deterministic JSON-like text (repetitive keys, varied values).
std::string corpus(std::size_t n, std::uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n + 128);
  while (s.size() < n) {
    s += "{\"id\":" + std::to_string(rng() % 100000) + ",\"name\":\"user" +
         std::to_string(rng() % 997) + "\",\"active\":" + (rng() % 2 ? "true" : "false") +
         ",\"score\":" + std::to_string(rng() % 1000) + "." + std::to_string(rng() % 100) + "},\n";
  }
  s.resize(n);
  return s;
}

class Encoders : public ::testing::TestWithParam<Encoding> {};

std::string name_of(const ::testing::TestParamInfo<Encoding>& i) {
  return std::string(filter::compression::encoding_name(i.param));
}

TEST_P(Encoders, RoundTripsInOnePiece) {
  const std::string in = corpus(100000);
  auto e = make_encoder(GetParam(), 5, in.size());
  ASSERT_TRUE(e);
  std::string out;
  ASSERT_TRUE(e->encode(in, Encoder::Mode::finish, out));
  EXPECT_LT(out.size(), in.size() / 3);
  EXPECT_EQ(test::decode_all(GetParam(), out), in);
}

TEST_P(Encoders, EveryFlushedPrefixDecodesToTheInputSoFar) {
  const std::string in = corpus(300000, 11);
  auto e = make_encoder(GetParam(), 3, std::nullopt);
  ASSERT_TRUE(e);
  auto d = test::make_decoder(GetParam());
  std::string decoded;
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    const std::size_t n = std::min(in.size() - pos, step);
    std::string piece;
    ASSERT_TRUE(e->encode(std::span<const char>(in.data() + pos, n), Encoder::Mode::flush, piece));
    pos += n;
    EXPECT_FALSE(piece.empty()) << "a flush with input must emit bytes";
    d->feed(piece, decoded);
    ASSERT_EQ(decoded.size(), pos) << "after a flush the decoder has every byte";
    step = step * 3 + 1;  // 1, 4, 13, ... up to large pieces
  }
  std::string tail;
  ASSERT_TRUE(e->encode({}, Encoder::Mode::finish, tail));
  d->feed(tail, decoded);
  EXPECT_TRUE(d->finished());
  EXPECT_EQ(decoded, in);
}

TEST_P(Encoders, EmptyBodyIsAValidStream) {
  auto e = make_encoder(GetParam(), 3, 0);
  ASSERT_TRUE(e);
  std::string out;
  ASSERT_TRUE(e->encode({}, Encoder::Mode::finish, out));
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(test::decode_all(GetParam(), out), "");
}

TEST_P(Encoders, EveryLevelDecodes) {
  const std::string in = corpus(20000, 3);
  const int max = GetParam() == Encoding::gzip ? 9 : GetParam() == Encoding::br ? 11 : 19;
  const int min = GetParam() == Encoding::br ? 0 : 1;
  for (int level = min; level <= max; ++level) {
    auto e = make_encoder(GetParam(), level, std::nullopt);
    ASSERT_TRUE(e);
    std::string out;
    ASSERT_TRUE(e->encode(in, Encoder::Mode::finish, out));
    EXPECT_EQ(test::decode_all(GetParam(), out), in) << "level " << level;
  }
}

TEST_P(Encoders, WrongSizeHintStillDecodes) {
  // The hint sizes the window; a body longer than announced still works.
  const std::string in = corpus(200000, 5);
  auto e = make_encoder(GetParam(), 4, 1000);
  ASSERT_TRUE(e);
  std::string out;
  ASSERT_TRUE(e->encode(std::span<const char>(in.data(), 70000), Encoder::Mode::flush, out));
  ASSERT_TRUE(e->encode(std::span<const char>(in.data() + 70000, in.size() - 70000),
                        Encoder::Mode::finish, out));
  EXPECT_EQ(test::decode_all(GetParam(), out), in);
}

TEST_P(Encoders, BinaryRoundTrips) {
  std::mt19937 rng(1);
  std::string in(70000, '\0');
  for (auto& c : in) c = char(rng());
  auto e = make_encoder(GetParam(), 6, in.size());
  std::string out;
  ASSERT_TRUE(e->encode(in, Encoder::Mode::finish, out));
  EXPECT_EQ(test::decode_all(GetParam(), out), in);
}

INSTANTIATE_TEST_SUITE_P(Compression, Encoders,
                         ::testing::Values(Encoding::zstd, Encoding::br, Encoding::gzip), name_of);

TEST(CompressionEncoding, Names) {
  for (auto e : {Encoding::zstd, Encoding::br, Encoding::gzip})
    EXPECT_EQ(filter::compression::encoding_from_name(filter::compression::encoding_name(e)), e);
  EXPECT_FALSE(filter::compression::encoding_from_name("deflate"));
  EXPECT_FALSE(filter::compression::encoding_from_name("identity"));
}

}  // namespace

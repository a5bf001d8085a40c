// Accept-Encoding negotiation (filter/compression/negotiate.hpp): a table of
// headers against the default preference (zstd, br, gzip) and others.
#include <gtest/gtest.h>

#include <vector>

#include "filter/compression/negotiate.hpp"

using namespace strata::filter::compression;

namespace {

const std::vector<Encoding> kDefault = {Encoding::zstd, Encoding::br, Encoding::gzip};

std::string pick(std::string_view ae, const std::vector<Encoding>& pref = kDefault) {
  auto e = negotiate(ae, pref);
  return e ? std::string(encoding_name(*e)) : "identity";
}

TEST(CompressionNegotiate, Table) {
  struct Row {
    const char* header;
    const char* expect;
  } rows[] = {
      {"", "identity"},
      {"gzip", "gzip"},
      {"x-gzip", "gzip"},
      {"GZIP", "gzip"},
      {"br", "br"},
      {"zstd", "zstd"},
      {"gzip, deflate, br, zstd", "zstd"},        // browsers: server order decides
      {"gzip, deflate, br", "br"},
      {"deflate", "identity"},
      {"gzip;q=0.5", "gzip"},                     // implicit identity does not outrank it
      {"br;q=0.1, gzip;q=0.5", "gzip"},           // highest q wins
      {"gzip;q=0.5, zstd;q=0.5, br;q=0.4", "zstd"},  // tie: server order
      {"gzip;q=0", "identity"},
      {"gzip;q=0.000", "identity"},
      {"*", "zstd"},
      {"*;q=0", "identity"},
      {"*, zstd;q=0", "br"},                      // explicit beats *
      {"*;q=0.2, gzip", "gzip"},
      {"identity", "identity"},
      {"identity;q=0", "identity"},               // nothing acceptable: still identity
      {"identity;q=0, gzip", "gzip"},
      {"gzip;q=0.5, identity", "identity"},       // explicit identity preferred
      {"gzip, identity;q=0.5", "gzip"},
      {"gzip;q=1.0", "gzip"},
      {"gzip;q=1.5", "identity"},                 // malformed q: element ignored
      {"gzip;q=abc, br", "br"},
      {"gzip;q=0.1234", "identity"},              // more than 3 decimals
      {"gzip ; q=0.8 , br;q=0.9", "br"},
      {"gzip;level=1", "gzip"},                   // other parameters ignored
      {" , ,gzip,", "gzip"},
      {"gzip;q=0, gzip", "identity"},             // first entry of a repeated coding counts
  };
  for (const auto& r : rows) EXPECT_EQ(pick(r.header), r.expect) << "Accept-Encoding: " << r.header;
}

TEST(CompressionNegotiate, ServerPreferenceOrder) {
  EXPECT_EQ(pick("gzip, br, zstd", {Encoding::gzip, Encoding::br}), "gzip");
  EXPECT_EQ(pick("gzip, br, zstd", {Encoding::br, Encoding::gzip, Encoding::zstd}), "br");
  EXPECT_EQ(pick("zstd", {Encoding::gzip, Encoding::br}), "identity");  // not offered
  EXPECT_EQ(pick("*", {Encoding::gzip}), "gzip");
}

TEST(CompressionNegotiate, QValues) {
  EXPECT_EQ(parse_qvalue("1"), 1000);
  EXPECT_EQ(parse_qvalue("0"), 0);
  EXPECT_EQ(parse_qvalue("0.5"), 500);
  EXPECT_EQ(parse_qvalue("0.05"), 50);
  EXPECT_EQ(parse_qvalue("0.125"), 125);
  EXPECT_EQ(parse_qvalue("1.000"), 1000);
  EXPECT_EQ(parse_qvalue("0."), 0);
  EXPECT_FALSE(parse_qvalue("1.001"));
  EXPECT_FALSE(parse_qvalue("2"));
  EXPECT_FALSE(parse_qvalue(".5"));
  EXPECT_FALSE(parse_qvalue(""));
  EXPECT_FALSE(parse_qvalue("0.5x"));
}

}  // namespace

#include "filter/forwarding/hop_by_hop.hpp"

#include <gtest/gtest.h>

namespace strata::filter::forwarding {
namespace {

TEST(ForwardingHopByHop, RemovesStandardAndListedFields) {
  http::Headers h;
  h.add("Connection", "keep-alive, X-Secret");
  h.add("Connection", "Upgrade");
  h.add("x-secret", "1");
  h.add("keep-alive", "timeout=5");
  h.add("proxy-connection", "keep-alive");
  h.add("transfer-encoding", "chunked");
  h.add("upgrade", "websocket");
  h.add("http2-settings", "AAA");
  h.add("te", "gzip");
  h.add("accept", "*/*");
  EXPECT_FALSE(strip_hop_by_hop(h));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.get("accept"), "*/*");
}

TEST(ForwardingHopByHop, KeepsTeTrailers) {
  http::Headers h;
  h.add("te", "gzip;q=0.5, Trailers");
  EXPECT_TRUE(strip_hop_by_hop(h));
  EXPECT_EQ(h.get("te"), "trailers");
  EXPECT_EQ(h.size(), 1u);
}

}  // namespace
}  // namespace strata::filter::forwarding

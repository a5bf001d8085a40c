// Conformance, RFC 7692 5 / 7.1 compression negotiation: offers parsed,
// bad offers declined, the response chosen under the server's policy, and
// the client-side check of a response.
#include <gtest/gtest.h>

#include "codec/websocket/permessage_deflate.hpp"

namespace strata::codec::websocket {
namespace {

DeflatePolicy on() {
  DeflatePolicy p;
  p.enabled = true;
  return p;
}

TEST(WsNegotiation, DisabledOrNotOffered) {
  EXPECT_FALSE(negotiate_deflate("permessage-deflate", DeflatePolicy{}));
  EXPECT_FALSE(negotiate_deflate("", on()));
  EXPECT_FALSE(negotiate_deflate("x-webkit-deflate-frame", on()));
}

TEST(WsNegotiation, PlainOfferGetsNoContextTakeoverBothWays) {
  const auto p = negotiate_deflate("permessage-deflate", on());
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_TRUE(p->client_no_context_takeover);
  EXPECT_EQ(p->server_max_window_bits, 15);
  EXPECT_EQ(p->client_max_window_bits, 15);
  EXPECT_EQ(deflate_response(*p),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
}

TEST(WsNegotiation, PolicyWithContextTakeover) {
  DeflatePolicy pol = on();
  pol.server_no_context_takeover = false;
  pol.client_no_context_takeover = false;
  auto p = negotiate_deflate("permessage-deflate", pol);
  ASSERT_TRUE(p);
  EXPECT_EQ(deflate_response(*p), "permessage-deflate");
  // The client's request is honoured whatever the policy.
  p = negotiate_deflate("permessage-deflate; server_no_context_takeover", pol);
  EXPECT_EQ(deflate_response(*p), "permessage-deflate; server_no_context_takeover");
}

TEST(WsNegotiation, ChromeStyleOffer) {
  const auto p = negotiate_deflate("permessage-deflate; client_max_window_bits", on());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->client_max_window_bits, 15);
  DeflatePolicy pol = on();
  pol.client_max_window_bits = 10;
  const auto q = negotiate_deflate("permessage-deflate; client_max_window_bits", pol);
  EXPECT_EQ(q->client_max_window_bits, 10);
  EXPECT_EQ(deflate_response(*q),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "client_max_window_bits=10");
}

TEST(WsNegotiation, WindowBitsValues) {
  auto p = negotiate_deflate("permessage-deflate; server_max_window_bits=10; client_max_window_bits=12", on());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 10);
  EXPECT_EQ(p->client_max_window_bits, 12);
  p = negotiate_deflate("permessage-deflate; server_max_window_bits=\"11\"", on());  // quoted
  ASSERT_TRUE(p);
  EXPECT_EQ(p->server_max_window_bits, 11);
  // Without a client_max_window_bits offer the server may not limit the client.
  DeflatePolicy pol = on();
  pol.client_max_window_bits = 9;
  pol.server_max_window_bits = 12;
  p = negotiate_deflate("permessage-deflate", pol);
  EXPECT_EQ(p->client_max_window_bits, 15);
  EXPECT_EQ(p->server_max_window_bits, 12);
}

TEST(WsNegotiation, BadOffersAreDeclinedAndTheNextTried) {
  for (const char* bad : {
           "permessage-deflate; foo",                                // unknown
           "permessage-deflate; server_no_context_takeover; server_no_context_takeover",  // duplicate
           "permessage-deflate; server_max_window_bits",             // value required
           "permessage-deflate; server_max_window_bits=7",
           "permessage-deflate; server_max_window_bits=16",
           "permessage-deflate; server_max_window_bits=010",
           "permessage-deflate; client_max_window_bits=abc",
           "permessage-deflate; client_no_context_takeover=1",       // no value allowed
           "permessage-deflate; server_max_window_bits=8",            // zlib cannot
       }) {
    EXPECT_FALSE(negotiate_deflate(bad, on())) << bad;
    const std::string two = std::string(bad) + ", permessage-deflate; client_max_window_bits";
    const auto p = negotiate_deflate(two, on());
    ASSERT_TRUE(p) << two;
    EXPECT_FALSE(parse_deflate_offers(two).empty());
  }
}

TEST(WsNegotiation, OffersAmongOtherExtensions) {
  const auto offers = parse_deflate_offers(
      "foo; bar=\"a,b\", permessage-deflate; client_max_window_bits=9, PerMessage-Deflate");
  ASSERT_EQ(offers.size(), 2u);
  EXPECT_EQ(offers[0].client_max_window_bits_value, 9);
  EXPECT_TRUE(offers[1].client_max_window_bits == false);
}

TEST(WsNegotiation, ClientSideChecksTheResponse) {
  EXPECT_FALSE(deflate_client_offer().empty());
  auto p = parse_deflate_response("permessage-deflate; server_no_context_takeover; client_max_window_bits=10");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->server_no_context_takeover);
  EXPECT_EQ(p->client_max_window_bits, 10);
  EXPECT_FALSE(parse_deflate_response("permessage-deflate; client_max_window_bits"));  // value required
  EXPECT_FALSE(parse_deflate_response("permessage-deflate, permessage-deflate"));
  EXPECT_FALSE(parse_deflate_response("permessage-deflate; bogus"));
  EXPECT_FALSE(parse_deflate_response("other-ext"));
  // Round trip of what the server writes.
  const auto agreed = negotiate_deflate("permessage-deflate; server_max_window_bits=12", on());
  EXPECT_EQ(parse_deflate_response(deflate_response(*agreed)), agreed);
}

}  // namespace
}  // namespace strata::codec::websocket

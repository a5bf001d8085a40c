#include "filter/forwarding/forwarded.hpp"

#include <gtest/gtest.h>

namespace strata::filter::forwarding {
namespace {

TEST(ForwardingForwarded, AppendsForwardedFor) {
  http::Headers h;
  append_forwarded_for(h, "10.0.0.1");
  EXPECT_EQ(h.get("x-forwarded-for"), "10.0.0.1");
  h.add("X-Forwarded-For", "10.0.0.2");
  append_forwarded_for(h, "::1");
  EXPECT_EQ(h.joined("x-forwarded-for"), "10.0.0.1, 10.0.0.2, ::1");
  EXPECT_EQ(h.size(), 1u);
}

TEST(ForwardingForwarded, ProtoRealIpVia) {
  http::Headers h;
  h.add("x-real-ip", "6.6.6.6");
  set_forwarded_proto(h, "https");
  set_real_ip(h, "192.0.2.7");
  append_via(h, http::Protocol::http11);
  EXPECT_EQ(h.get("x-forwarded-proto"), "https");
  EXPECT_EQ(h.get("x-real-ip"), "192.0.2.7");
  EXPECT_EQ(h.get("via"), "1.1 strata");
  append_via(h, http::Protocol::h2);
  EXPECT_EQ(h.get("via"), "1.1 strata, 2 strata");
}

TEST(ForwardingForwarded, AppendsRfc7239Forwarded) {
  http::Headers h;
  h.add("forwarded", "for=192.0.2.1;proto=https");
  append_forwarded(h, "10.0.0.1");
  append_forwarded(h, "2001:db8::1");
  EXPECT_EQ(h.joined("forwarded"), "for=192.0.2.1;proto=https, for=10.0.0.1, for=\"[2001:db8::1]\"");
}

}  // namespace
}  // namespace strata::filter::forwarding

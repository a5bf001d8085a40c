// http::tunnel_kind: which requests ask for a tunnel.
#include "http/tunnel.hpp"

#include <gtest/gtest.h>

using namespace strata::http;

namespace {
Request req(std::string method, Protocol p) {
  Request r;
  r.method = std::move(method);
  r.protocol = p;
  return r;
}
}  // namespace

TEST(TunnelKind, Classifies) {
  EXPECT_EQ(tunnel_kind(req("GET", Protocol::h2)), TunnelKind::none);
  EXPECT_EQ(tunnel_kind(req("CONNECT", Protocol::h2)), TunnelKind::connect);
  EXPECT_EQ(tunnel_kind(req("CONNECT", Protocol::http11)), TunnelKind::connect);
  auto ws = req("CONNECT", Protocol::h3);
  ws.connect_protocol = "websocket";
  EXPECT_EQ(tunnel_kind(ws), TunnelKind::extended_connect);
  auto up = req("GET", Protocol::http11);
  up.headers.add("connection", "keep-alive, Upgrade");
  up.headers.add("upgrade", "websocket");
  EXPECT_EQ(tunnel_kind(up), TunnelKind::upgrade);
  up.protocol = Protocol::h2;  // Upgrade means nothing on HTTP/2
  EXPECT_EQ(tunnel_kind(up), TunnelKind::none);
}

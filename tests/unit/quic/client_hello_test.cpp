#include "quic/client_hello.hpp"

#include <gtest/gtest.h>

#include <string>

namespace strata::quic {
namespace {

void u16(std::string& s, std::size_t v) {
  s += char(v >> 8);
  s += char(v & 0xff);
}

// A ClientHello body with the given extensions block.
std::string hello(const std::string& exts, bool with_header) {
  std::string b;
  u16(b, 0x0303);
  b += std::string(32, 'r');
  b += char(0);                  // session id
  u16(b, 2);
  u16(b, 0x1301);                // one suite
  b += char(1);
  b += char(0);                  // null compression
  u16(b, exts.size());
  b += exts;
  if (!with_header) return b;
  std::string h;
  h += char(1);
  h += char(0);
  u16(h, b.size());
  return h + b;
}

std::string ext(std::size_t type, const std::string& body) {
  std::string e;
  u16(e, type);
  u16(e, body.size());
  return e + body;
}

std::string psk_ext(const std::string& identity) {
  std::string ids;
  u16(ids, identity.size());
  ids += identity;
  ids += std::string(4, '\0');   // obfuscated_ticket_age
  std::string body;
  u16(body, ids.size());
  body += ids;
  std::string binders;
  binders += char(32);
  binders += std::string(32, 'b');
  u16(body, binders.size());
  body += binders;
  return ext(41, body);
}

TEST(QuicClientHello, FindsTheTicketAfterOtherExtensions) {
  auto exts = ext(0, "\x00\x05\x00\x00\x02hi") + ext(16, "\x00\x03\x02h3") + psk_ext("TICKET-1");
  EXPECT_EQ(psk_identity(hello(exts, true)), "TICKET-1");
  EXPECT_EQ(psk_identity(hello(exts, false)), "TICKET-1");
}

TEST(QuicClientHello, NoPskMeansEmpty) {
  EXPECT_EQ(psk_identity(hello(ext(16, "\x00\x03\x02h3"), true)), "");
  EXPECT_EQ(psk_identity(""), "");
}

TEST(QuicClientHello, TruncatedInputIsEmptyNotACrash) {
  auto full = hello(psk_ext("TICKET-2"), true);
  for (std::size_t n = 0; n < full.size(); ++n)
    EXPECT_EQ(psk_identity(std::string_view(full).substr(0, n)), "") << n;
}

TEST(QuicClientHello, LyingLengthsAreRejected) {
  std::string body;
  u16(body, 60000);  // identities length beyond the extension
  body += "xx";
  EXPECT_EQ(psk_identity(hello(ext(41, body), true)), "");
}

}  // namespace
}  // namespace strata::quic

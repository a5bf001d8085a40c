// libFuzzer target: security::parse_proxy_header (PROXY protocol v1/v2).
// Input byte 0 picks the accepted versions (v1, v2, any); the rest is the
// wire. Checks: `done` consumes at most the input and every shorter prefix
// of the header is `incomplete` (so a reader may consume it all); a
// prefix that is `done` gives the whole input the same answer; an
// `invalid` input stays invalid when more bytes follow; a parsed address
// header built again with proxy_v1 / proxy_v2 parses back to the same
// addresses and ports.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "security/proxy_protocol.hpp"

using namespace strata::security;
using Status = ProxyParse::Status;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void same_addresses(const ProxyHeader& a, const ProxyHeader& b) {
  check(!b.local);
  check(a.src == b.src && a.dst == b.dst);
  check(a.src_port == b.src_port && a.dst_port == b.dst_port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto accept = static_cast<ProxyVersions>(data[0] % 3);
  std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto all = parse_proxy_header(wire, accept);
  if (all.status == Status::done) {
    check(all.consumed > 0 && all.consumed <= wire.size());
    check(all.header.version == 1 || all.header.version == 2);
    const auto exact = parse_proxy_header(wire.substr(0, all.consumed), accept);
    check(exact.status == Status::done && exact.consumed == all.consumed);
    for (std::size_t n = 0; n < all.consumed && n < 256; ++n)
      check(parse_proxy_header(wire.substr(0, n), accept).status == Status::incomplete);
    if (!all.header.local) {
      const auto& h = all.header;
      const auto v1 = parse_proxy_header(proxy_v1(h.src, h.src_port, h.dst, h.dst_port),
                                         ProxyVersions::v1);
      check(v1.status == Status::done);
      same_addresses(h, v1.header);
      const auto v2 = parse_proxy_header(proxy_v2(h.src, h.src_port, h.dst, h.dst_port),
                                         ProxyVersions::v2);
      check(v2.status == Status::done);
      same_addresses(h, v2.header);
    }
  } else if (all.status == Status::invalid) {
    check(!all.reason.empty());
    std::string more(wire);
    more += "\r\n\r\nPROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
    check(parse_proxy_header(more, accept).status == Status::invalid);
  } else {
    check(wire.size() < 16 + kMaxV2Payload);
  }
  return 0;
}

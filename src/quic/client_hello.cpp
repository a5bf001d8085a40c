#include "quic/client_hello.hpp"

#include <cstddef>
#include <cstdint>

namespace strata::quic {

namespace {

// A bounds-checked reader; any overrun sets `bad` and yields zeros.
struct Reader {
  std::string_view s;
  std::size_t off = 0;
  bool bad = false;
  std::size_t left() const { return bad ? 0 : s.size() - off; }
  std::uint32_t num(std::size_t n) {
    if (left() < n) {
      bad = true;
      return 0;
    }
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | std::uint8_t(s[off + i]);
    off += n;
    return v;
  }
  std::string_view bytes(std::size_t n) {
    if (left() < n) {
      bad = true;
      return {};
    }
    auto v = s.substr(off, n);
    off += n;
    return v;
  }
  void skip_vec(std::size_t len_bytes) { bytes(num(len_bytes)); }
};

constexpr std::uint32_t kPreSharedKey = 41;

}  // namespace

std::string_view psk_identity(std::string_view hello) {
  // Handshake header: type 1 (client_hello) + uint24 length.
  if (hello.size() >= 4 && std::uint8_t(hello[0]) == 1) {
    std::size_t len = (std::size_t(std::uint8_t(hello[1])) << 16) |
                      (std::size_t(std::uint8_t(hello[2])) << 8) | std::uint8_t(hello[3]);
    if (len == hello.size() - 4) hello.remove_prefix(4);
  }
  Reader r{hello};
  r.num(2);          // legacy_version
  r.bytes(32);       // random
  r.skip_vec(1);     // legacy_session_id
  r.skip_vec(2);     // cipher_suites
  r.skip_vec(1);     // legacy_compression_methods
  Reader ext{r.bytes(r.num(2))};
  if (r.bad) return {};
  while (!ext.bad && ext.left() >= 4) {
    auto type = ext.num(2);
    auto body = ext.bytes(ext.num(2));
    if (ext.bad) return {};
    if (type != kPreSharedKey) continue;
    // OfferedPsks: identities<7..2^16-1> of {identity<1..2^16-1>, uint32 age}.
    Reader p{body};
    Reader ids{p.bytes(p.num(2))};
    auto id = ids.bytes(ids.num(2));
    if (p.bad || ids.bad || id.empty()) return {};
    return id;
  }
  return {};
}

}  // namespace strata::quic

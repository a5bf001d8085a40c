#include "filter/forwarding/request_id.hpp"

#include <cstring>

#include "core/hex.hpp"

namespace strata::filter::forwarding {

bool valid_request_id(std::string_view v) {
  if (v.empty() || v.size() > 128) return false;
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void write_request_id(core::FastRng& rng, std::span<char, 36> out) {
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ull) | 0x4000ull;                  // version 4
  lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);  // variant 10xx
  char h[16], l[16];
  core::hex_u64(h, hi);
  core::hex_u64(l, lo);
  char* o = out.data();  // 8-4-4-4-12
  std::memcpy(o, h, 8);
  o[8] = '-';
  std::memcpy(o + 9, h + 8, 4);
  o[13] = '-';
  std::memcpy(o + 14, h + 12, 4);
  o[18] = '-';
  std::memcpy(o + 19, l, 4);
  o[23] = '-';
  std::memcpy(o + 24, l + 4, 12);
}

std::string new_request_id(core::FastRng& rng) {
  std::string out(36, '0');
  write_request_id(rng, std::span<char, 36>(out.data(), 36));
  return out;
}

std::string ensure_request_id(http::Headers& h, core::FastRng& rng) {
  if (auto in = h.get("x-request-id"); in && valid_request_id(*in)) {
    std::string v(*in);
    h.set("x-request-id", v);  // collapse duplicates
    return v;
  }
  std::string id = new_request_id(rng);
  h.set("x-request-id", id);
  return id;
}

}  // namespace strata::filter::forwarding

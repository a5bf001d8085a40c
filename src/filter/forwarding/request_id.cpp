#include "filter/forwarding/request_id.hpp"

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

void write_request_id(std::mt19937_64& rng, std::span<char, 36> out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xF000ull) | 0x4000ull;              // version 4
  lo = (lo & ~(0xC000ull << 48)) | (0x8000ull << 48);  // variant 10xx
  std::size_t o = 0;
  for (int i = 15; i >= 0; --i) {
    out[o++] = kHex[(hi >> (i * 4)) & 0xf];
    if (i == 8 || i == 4) out[o++] = '-';
  }
  out[o++] = '-';
  for (int i = 15; i >= 0; --i) {
    out[o++] = kHex[(lo >> (i * 4)) & 0xf];
    if (i == 12) out[o++] = '-';
  }
}

std::string new_request_id(std::mt19937_64& rng) {
  std::string out(36, '0');
  write_request_id(rng, std::span<char, 36>(out.data(), 36));
  return out;
}

std::string ensure_request_id(http::Headers& h, std::mt19937_64& rng) {
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

#include "filter/forwarding/traceparent.hpp"

#include <algorithm>
#include <cstring>

#include "core/hex.hpp"

namespace strata::filter::forwarding {
namespace {

bool lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

bool valid_traceparent(std::string_view v) {
  if (v.size() < 55) return false;
  const auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16),
             flags = v.substr(53, 2);
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  if (!lower_hex(version) || version == "ff" || !lower_hex(trace) || !lower_hex(parent) ||
      !lower_hex(flags))
    return false;
  if (all_zero(trace) || all_zero(parent)) return false;
  if (version == "00") return v.size() == 55;
  return v.size() == 55 || v[55] == '-';
}

void fill_random_hex(std::span<char> out, core::FastRng& rng) {
  const std::size_t n = out.size();
  bool nonzero = false;
  do {
    for (std::size_t i = 0; i < n; i += 16) {
      const std::uint64_t r = rng();
      const std::size_t take = std::min<std::size_t>(16, n - i);
      char digits[16];
      core::hex_u64(digits, r);
      std::memcpy(out.data() + i, digits, take);
      // The digits taken are r's top 4*take bits.
      nonzero = nonzero || (take == 16 ? r : r >> (64 - 4 * take)) != 0;
    }
  } while (!nonzero && n != 0);
}

std::string random_hex(std::size_t n, core::FastRng& rng) {
  std::string out(n, '0');
  fill_random_hex(std::span<char>(out.data(), n), rng);
  return out;
}

bool next_traceparent(std::optional<std::string_view> in, core::FastRng& rng,
                      std::span<char, 55> out) {
  const bool valid = in && valid_traceparent(*in);
  out[0] = '0';
  out[1] = '0';
  out[2] = out[35] = out[52] = '-';
  if (valid) {
    in->substr(3, 32).copy(out.data() + 3, 32);
    in->substr(53, 2).copy(out.data() + 53, 2);
  } else {
    fill_random_hex(out.subspan(3, 32), rng);
    out[53] = out[54] = '0';
  }
  fill_random_hex(out.subspan(36, 16), rng);
  return valid;
}

std::string propagate_traceparent(http::Headers& h, core::FastRng& rng) {
  std::string out(55, '0');
  if (!next_traceparent(h.get("traceparent"), rng, std::span<char, 55>(out.data(), 55)))
    h.remove("tracestate");
  h.set("traceparent", out);
  return out;
}

}  // namespace strata::filter::forwarding

#include "codec/websocket/frame_parser.hpp"

#include <algorithm>
#include <cstring>

#include "codec/websocket/frame_writer.hpp"

namespace strata::codec::websocket {

namespace {
// Header size announced by the first two bytes.
std::size_t header_size(const std::uint8_t* h) {
  const std::uint8_t len7 = h[1] & 0x7F;
  const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
  return 2 + ext + ((h[1] & 0x80) ? 4 : 0);
}
}  // namespace

FrameParser::Result FrameParser::fail(Error e, std::size_t consumed) {
  error_ = e;
  Result r;
  r.status = Status::error;
  r.consumed = consumed;
  return r;
}

Error FrameParser::check_header() {
  const FrameHeader& h = header_;
  if (!is_known(h.opcode)) return Error::unknown_opcode;
  if (h.rsv1 && (!allow_rsv1_ || h.opcode == Opcode::continuation || is_control(h.opcode)))
    return Error::reserved_bits;
  if (role_ == Role::server && !h.masked) return Error::unmasked_frame;
  if (role_ == Role::client && h.masked) return Error::masked_frame;
  if (is_control(h.opcode)) {
    if (!h.fin) return Error::control_fragmented;
    if (h.length > kMaxControlPayload) return Error::control_too_long;
  }
  return Error::none;
}

FrameParser::Result FrameParser::parse(std::span<char> in) {
  if (error_ != Error::none) return fail(error_, 0);
  std::size_t used = 0;
  bool first = false;
  if (!in_payload_) {
    while (true) {
      const std::size_t want = hlen_ < 2 ? 2 : header_size(hbuf_);
      if (hlen_ >= want) break;
      if (used == in.size()) return Result{Status::need_more, used, {}, false, false};
      const std::size_t take = std::min(want - hlen_, in.size() - used);
      std::memcpy(hbuf_ + hlen_, in.data() + used, take);
      hlen_ = std::uint8_t(hlen_ + take);
      used += take;
      if (hlen_ == 2) {
        // Fail fast on the first two bytes (before any length / mask bytes).
        if (hbuf_[0] & 0x30) return fail(Error::reserved_bits, used);
        header_.fin = (hbuf_[0] & 0x80) != 0;
        header_.rsv1 = (hbuf_[0] & 0x40) != 0;
        header_.opcode = Opcode(hbuf_[0] & 0x0F);
        header_.masked = (hbuf_[1] & 0x80) != 0;
        header_.length = hbuf_[1] & 0x7F;  // control frames: the 7-bit value decides
        if (Error e = check_header(); e != Error::none) return fail(e, used);
      }
    }
    // Complete header: length and mask.
    const std::uint8_t len7 = hbuf_[1] & 0x7F;
    std::size_t pos = 2;
    std::uint64_t len = len7;
    if (len7 == 126) {
      len = (std::uint64_t(hbuf_[2]) << 8) | hbuf_[3];
      pos = 4;
      if (len < 126) return fail(Error::non_minimal_length, used);
    } else if (len7 == 127) {
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | hbuf_[2 + i];
      pos = 10;
      if (len >> 63) return fail(Error::length_msb_set, used);
      if (len <= 0xFFFF) return fail(Error::non_minimal_length, used);
    }
    header_.length = len;
    if (header_.masked) std::memcpy(header_.mask.data(), hbuf_ + pos, 4);
    hlen_ = 0;
    if (len > limits_.max_frame) return fail(Error::frame_too_big, used);
    if (!is_control(header_.opcode)) {
      if (header_.opcode == Opcode::continuation) {
        if (!in_message_) return fail(Error::unexpected_continuation, used);
      } else if (in_message_) {
        return fail(Error::expected_continuation, used);
      }
      in_message_ = !header_.fin;
    }
    in_payload_ = true;
    remaining_ = len;
    offset_ = 0;
    first = true;
  } else if (in.empty()) {
    return Result{Status::need_more, 0, {}, false, false};
  }
  const std::size_t n = std::size_t(std::min<std::uint64_t>(remaining_, in.size() - used));
  std::span<char> p = in.subspan(used, n);
  if (header_.masked && n > 0) apply_mask(p.data(), n, header_.mask, offset_);
  offset_ += n;
  remaining_ -= n;
  used += n;
  const bool last = remaining_ == 0;
  if (last) in_payload_ = false;
  return Result{Status::data, used, p, first, last};
}

}  // namespace strata::codec::websocket

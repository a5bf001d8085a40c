#include "codec/websocket/close.hpp"

#include "codec/websocket/utf8.hpp"

namespace strata::codec::websocket {

bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  if (code >= 1000 && code <= 1003) return true;
  return code >= 1007 && code <= 1014;
}

Error parse_close_payload(std::string_view payload, CloseInfo& out) {
  out = CloseInfo{};
  if (payload.empty()) return Error::none;
  if (payload.size() == 1) return Error::bad_close_payload;
  const auto code =
      std::uint16_t((std::uint8_t(payload[0]) << 8) | std::uint8_t(payload[1]));
  if (!valid_close_code(code)) return Error::bad_close_code;
  const std::string_view reason = payload.substr(2);
  if (!is_valid_utf8(reason)) return Error::invalid_utf8;
  out.code = code;
  out.reason = reason;
  return Error::none;
}

}  // namespace strata::codec::websocket

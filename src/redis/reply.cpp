// Errc names and Result::error_text (redis/reply.hpp).
#include "redis/reply.hpp"

namespace strata::redis {

std::string_view errc_name(Errc e) {
  switch (e) {
    case Errc::ok: return "ok";
    case Errc::disconnected: return "disconnected";
    case Errc::timeout: return "timeout";
    case Errc::overloaded: return "overloaded";
    case Errc::protocol: return "protocol";
    case Errc::redirected: return "redirected";
    case Errc::closed: return "closed";
  }
  return "unknown";
}

std::string Result::error_text() const {
  if (err != Errc::ok) return std::string(errc_name(err));
  if (reply.is_error()) return reply.str;
  return {};
}

}  // namespace strata::redis

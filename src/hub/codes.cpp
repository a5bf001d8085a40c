#include "hub/codes.hpp"

namespace strata::hub {

std::string_view error_message(Error e) {
  switch (e) {
    case Error::none: return "";
    case Error::internal: return "internal error";
    case Error::unauthorized: return "unauthorized";
    case Error::unknown_channel: return "unknown channel";
    case Error::permission_denied: return "permission denied";
    case Error::method_not_found: return "method not found";
    case Error::already_subscribed: return "already subscribed";
    case Error::limit_exceeded: return "limit exceeded";
    case Error::bad_request: return "bad request";
    case Error::not_available: return "not available";
    case Error::token_expired: return "token expired";
    case Error::not_subscribed: return "not subscribed";
  }
  return "error";
}

}  // namespace strata::hub

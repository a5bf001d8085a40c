// Default Exchange::upgrade (no protocol switch), the defaults of the
// synchronous send protocol, and upgrade-request detection.
#include <string>

#include "http/exchange.hpp"
#include "io/transport.hpp"

namespace strata::http {

boost::asio::awaitable<std::unique_ptr<io::Transport>> Exchange::upgrade(Response&,
                                                                         std::string&) {
  co_return nullptr;
}

// The synchronous send protocol is opt-in (http/exchange.hpp).
bool Exchange::send_head_now(Response&, bool, error_code& ec) {
  ec = make_error_code(boost::system::errc::operation_not_supported);
  return true;
}

bool Exchange::send_body_now(std::span<const char>, bool, error_code& ec) {
  ec = make_error_code(boost::system::errc::operation_not_supported);
  return true;
}

boost::asio::awaitable<error_code> Exchange::finish_send() { co_return error_code{}; }

namespace {
bool lists_upgrade_token(std::string_view v) {
  while (!v.empty()) {
    auto comma = v.find(',');
    auto el = v.substr(0, comma);
    while (!el.empty() && (el.front() == ' ' || el.front() == '\t')) el.remove_prefix(1);
    while (!el.empty() && (el.back() == ' ' || el.back() == '\t')) el.remove_suffix(1);
    if (iequals(el, "upgrade")) return true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace

bool is_upgrade_request(const Request& r) {
  if (r.protocol != Protocol::http11) return false;
  if (!r.headers.has("upgrade")) return false;
  for (const auto& f : r.headers)
    if (f.name == "connection" && lists_upgrade_token(f.value)) return true;
  return false;
}

}  // namespace strata::http

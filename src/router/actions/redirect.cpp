#include "router/actions/redirect.hpp"

#include <utility>

#include "filter/local_reply.hpp"
#include "router/matchers.hpp"

namespace strata::router {

namespace {
std::string_view port_of(std::string_view authority, std::string_view host) {
  if (authority.size() > host.size() + 1 && authority[host.size()] == ':')
    return authority.substr(host.size() + 1);
  return {};
}

bool default_port(std::string_view scheme, std::string_view port) {
  return (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
}
}  // namespace

std::string redirect_location(const config::RedirectAction& a, const http::Request& req) {
  std::string_view req_scheme = req.scheme.empty() ? std::string_view("http") : req.scheme;
  std::string_view scheme = a.scheme ? std::string_view(*a.scheme) : req_scheme;
  std::string_view req_host = host_of(req.authority);
  std::string_view host = a.host ? std::string_view(*a.host) : req_host;

  std::string port;
  if (a.port) {
    port = std::to_string(*a.port);
  } else if (!a.host && scheme == req_scheme) {
    port = std::string(port_of(req.authority, req_host));
  }
  if (default_port(scheme, port)) port.clear();

  std::string loc;
  loc.reserve(scheme.size() + host.size() + req.target.size() + 16);
  loc.append(scheme).append("://").append(host);
  if (!port.empty()) loc.append(":").append(port);
  if (a.path) loc.append(*a.path);
  else loc.append(req.path());
  if (a.keep_query && !req.query().empty()) loc.append("?").append(req.query());
  return loc;
}

boost::asio::awaitable<void> run_redirect(http::Exchange& ex, const config::RedirectAction& a) {
  const std::pair<std::string, std::string> location("location", redirect_location(a, ex.request()));
  co_await filter::send_local_reply(
      ex, filter::local_reply(a.status, "redirect", "", "text/plain", false),
      filter::FieldList(&location, 1));
}

}  // namespace strata::router

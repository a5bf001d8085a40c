#include "security/request_key.hpp"

#include "security/ip.hpp"

namespace strata::security {

std::string_view jwt_claim(const http::RequestContext& ctx, std::string_view claim) {
  return ctx.jwt_claim(claim).value_or(std::string_view());
}

std::string_view cookie_value(const http::Request& req, std::string_view name) {
  for (const auto& f : req.headers) {
    if (f.name != "cookie") continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return {};
}

void request_key(const std::vector<config::KeyPart>& parts, unsigned ipv4_prefix,
                 unsigned ipv6_prefix, std::string_view route, const http::Request& req,
                 const http::RequestContext& ctx, std::string& out) {
  out.clear();
  bool first = true;
  for (const auto& p : parts) {
    if (!first) out += '|';
    first = false;
    if (p.kind == "client_prefix") {
      if (auto ip = parse_ip(ctx.client_ip.view()))
        out += prefix_key(*ip, ipv4_prefix, ipv6_prefix);
      else
        out += ctx.client_ip.view();
    } else if (p.kind == "client_ip") {
      out += ctx.client_ip.view();
    } else if (p.kind == "header") {
      if (auto v = req.headers.get(p.name)) out += *v;
    } else if (p.kind == "cookie") {
      out += cookie_value(req, p.name);
    } else if (p.kind == "jwt") {
      out += jwt_claim(ctx, p.name);
    } else if (p.kind == "route") {
      out += route;
    }
  }
}

}  // namespace strata::security

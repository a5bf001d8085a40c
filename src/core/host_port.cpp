#include "core/host_port.hpp"

#include <arpa/inet.h>

#include <cctype>

namespace strata::core {
namespace {

bool fail(std::string* error, std::string msg) {
  if (error) *error = std::move(msg);
  return false;
}

bool parse_port(std::string_view s, bool allow_zero, std::uint16_t& out, std::string* error) {
  if (s.empty() || s.size() > 5) return fail(error, "port must be a number from 1 to 65535");
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return fail(error, "port must be a number from 1 to 65535");
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535 || (v == 0 && !allow_zero))
    return fail(error, allow_zero ? "port must be a number from 0 to 65535"
                                  : "port must be a number from 1 to 65535");
  out = static_cast<std::uint16_t>(v);
  return true;
}

}  // namespace

bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);  // absolute form
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    start = end + 1;
  }
  return true;
}

std::string HostPort::to_string() const {
  if (kind == Kind::ipv6) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<HostPort> parse_host_port(std::string_view text, bool allow_port_zero,
                                        std::string* error, bool allow_empty_host) {
  HostPort hp;
  std::string_view host, port;
  std::string canonical;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) {
      fail(error, "missing ']' in IPv6 address");
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      fail(error, "expected ':port' after ']'");
      return std::nullopt;
    }
    port = rest.substr(1);
    in6_addr a6{};
    if (std::string h(host); inet_pton(AF_INET6, h.c_str(), &a6) != 1) {
      fail(error, "invalid IPv6 address '" + h + "'");
      return std::nullopt;
    }
    hp.kind = HostPort::Kind::ipv6;
    char buf[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET6, &a6, buf, sizeof buf)) canonical = buf;  // "0::0" -> "::"
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      fail(error, "expected host:port");
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      fail(error, "IPv6 addresses need brackets, e.g. [::1]:8080");
      return std::nullopt;
    }
    if (host.empty() && !allow_empty_host) {
      fail(error, "missing host before ':'");
      return std::nullopt;
    }
    in_addr a4{};
    std::string h(host);
    if (host.empty()) {
      hp.kind = HostPort::Kind::name;  // any address
    } else if (inet_pton(AF_INET, h.c_str(), &a4) == 1) {
      hp.kind = HostPort::Kind::ipv4;
    } else if (valid_dns_name(host)) {
      hp.kind = HostPort::Kind::name;
    } else {
      fail(error, "invalid host '" + h + "'");
      return std::nullopt;
    }
  }
  if (!parse_port(port, allow_port_zero, hp.port, error)) return std::nullopt;
  hp.host = canonical.empty() ? std::string(host) : canonical;
  if (hp.kind == HostPort::Kind::name)
    for (auto& c : hp.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hp;
}

}  // namespace strata::core

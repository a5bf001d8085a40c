#include "filter/forwarding/forwarded.hpp"

#include <string>

namespace strata::filter::forwarding {
namespace {

void append_list(http::Headers& h, std::string_view name, std::string_view value) {
  std::string v = h.joined(name);
  if (!v.empty()) v += ", ";
  v += value;
  h.set(name, v);
}

}  // namespace

void append_forwarded_for(http::Headers& h, std::string_view client_ip) {
  append_list(h, "x-forwarded-for", client_ip);
}

void append_forwarded(http::Headers& h, std::string_view ip) {
  std::string v = "for=";
  if (ip.find(':') != std::string_view::npos) {
    v += "\"[";
    v += ip;
    v += "]\"";
  } else {
    v += ip;
  }
  append_list(h, "forwarded", v);
}

void set_forwarded_proto(http::Headers& h, std::string_view scheme) {
  h.set("x-forwarded-proto", scheme.empty() ? std::string_view("http") : scheme);
}

void set_real_ip(http::Headers& h, std::string_view client_ip) { h.set("x-real-ip", client_ip); }

std::string_view via_version(http::Protocol p) {
  switch (p) {
    case http::Protocol::http10: return "1.0";
    case http::Protocol::http11: return "1.1";
    case http::Protocol::h2: return "2";
    case http::Protocol::h3: return "3";
  }
  return "1.1";
}

void append_via(http::Headers& h, http::Protocol received_with) {
  std::string v(via_version(received_with));
  v += " strata";
  append_list(h, "via", v);
}

}  // namespace strata::filter::forwarding

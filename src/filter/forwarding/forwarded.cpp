#include "filter/forwarding/forwarded.hpp"

#include <string>

namespace strata::filter::forwarding {

void join_list(std::string& list, std::string_view value) {
  if (!list.empty()) list += ", ";
  list += value;
}

void join_forwarded_for(std::string& list, std::string_view ip) {
  if (!list.empty()) list += ", ";
  list += "for=";
  if (ip.find(':') != std::string_view::npos) {
    list += "\"[";
    list += ip;
    list += "]\"";
  } else {
    list += ip;
  }
}

void join_via(std::string& list, http::Protocol received_with) {
  if (!list.empty()) list += ", ";
  list += via_version(received_with);
  list += " strata";
}

namespace {

// The fields called `name` collapsed into one, with `join` applied to the
// ", "-joined existing values.
template <class Join>
void rewrite_list(http::Headers& h, std::string_view name, Join join) {
  std::string v = h.joined(name);
  join(v);
  h.set(name, v);
}

}  // namespace

void append_forwarded_for(http::Headers& h, std::string_view client_ip) {
  rewrite_list(h, "x-forwarded-for", [&](std::string& v) { join_list(v, client_ip); });
}

void append_forwarded(http::Headers& h, std::string_view ip) {
  rewrite_list(h, "forwarded", [&](std::string& v) { join_forwarded_for(v, ip); });
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
  rewrite_list(h, "via", [&](std::string& v) { join_via(v, received_with); });
}

}  // namespace strata::filter::forwarding

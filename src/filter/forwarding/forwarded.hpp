// Forwarding headers added by the proxy: X-Forwarded-For, X-Forwarded-Proto,
// X-Real-IP, Via and (when the request has one) Forwarded. Pure functions, no I/O.
#pragma once
#include <string>
#include <string_view>

#include "http/headers.hpp"
#include "http/message.hpp"

namespace strata::filter::forwarding {

// The same values built into a string, for a caller that assembles the
// fields itself (upstream/request_builder.cpp: one pass over the request):
// ", "-joins `value` onto `list` (an empty list takes it as it is).
void join_list(std::string& list, std::string_view value);
// Joins `for=<ip>` onto a Forwarded `list` (IPv6 quoted and bracketed).
void join_forwarded_for(std::string& list, std::string_view ip);
// Joins "<version> strata" onto a Via `list`.
void join_via(std::string& list, http::Protocol received_with);

// Appends `client_ip` to X-Forwarded-For (", "-joined with existing values,
// which are collapsed into one field).
void append_forwarded_for(http::Headers& h, std::string_view client_ip);
// Appends `for=<ip>` to Forwarded (RFC 7239; IPv6 quoted and bracketed).
void append_forwarded(http::Headers& h, std::string_view ip);
// X-Forwarded-Proto: the scheme the client used ("http" | "https").
void set_forwarded_proto(http::Headers& h, std::string_view scheme);
// X-Real-IP: the immediate client address (replaces any incoming value).
void set_real_ip(http::Headers& h, std::string_view client_ip);
// "1.0" | "1.1" | "2" | "3" for Via.
std::string_view via_version(http::Protocol p);
// Appends "<version> strata" to Via (existing values kept, ", "-joined).
void append_via(http::Headers& h, http::Protocol received_with);

}  // namespace strata::filter::forwarding

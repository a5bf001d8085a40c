// The request head as sent to an upstream, after target rewriting and
// header edits (hop-by-hop removed, forwarding headers added).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "http/headers.hpp"

namespace strata::upstream::pool {

struct UpstreamRequest {
  std::string method;
  std::string scheme;      // "http" | "https" (h2 :scheme)
  std::string target;      // origin-form "/path?query"
  std::string authority;   // Host / :authority
  http::Headers headers;   // no hop-by-hop fields, no host
  std::optional<std::uint64_t> content_length;
  bool has_body = false;
  // Non-empty: an HTTP/1.1 protocol switch; sent as "connection: upgrade"
  // plus "upgrade: <this>" (h1 upstreams only).
  std::string upgrade;
};

// GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 9.2.2).
bool idempotent(std::string_view method);

}  // namespace strata::upstream::pool

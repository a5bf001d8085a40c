// Protocol-neutral request and response heads, shared by codecs, filters,
// the router and upstreams. Filters never learn which protocol carried a
// request except through `Request::protocol` (for logs and metrics).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "http/headers.hpp"

namespace strata::http {

enum class Protocol : std::uint8_t { http10, http11, h2, h3 };
std::string_view protocol_name(Protocol p);  // "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"

// Facts about the downstream connection a request arrived on.
struct ConnInfo {
  std::string peer_ip;       // textual, no brackets ("::1", "127.0.0.1")
  std::uint16_t peer_port = 0;
  std::string local_ip;
  std::uint16_t local_port = 0;
  bool tls = false;
  std::string sni;           // TLS server name, if any
  std::string alpn;          // negotiated ALPN, if any
  std::string listener;      // listener name from the config
  // PROXY protocol: peer_ip/peer_port above are the header's source; these
  // are the socket's own peer (the balancer). Empty without a PROXY header.
  std::string proxy_peer_ip;
  // Client certificate (mTLS), when one was presented and verified.
  bool client_cert_verified = false;
  std::string client_cert_subject;  // RFC 2253 form ("CN=alice,O=Example")
  std::string client_cert_san;      // "DNS:a.example, email:x@y" (comma-separated)
  std::uint64_t id = 0;      // connection id, unique per process
};

struct Request {
  std::string method;        // "GET"
  std::string scheme;        // "http" | "https"
  std::string authority;     // Host header (h1) or :authority (h2/h3)
  std::string target;        // path + optional query, as received ("/a?b=c")
  Headers headers;           // regular fields only; no pseudo-headers, no Host
  // Extended CONNECT (RFC 8441 / RFC 9220, HTTP/2 and HTTP/3 only): the
  // :protocol pseudo-header ("websocket"); empty otherwise.
  std::string connect_protocol;
  Protocol protocol = Protocol::http11;
  // Known body length (Content-Length); nullopt with has_body => streamed.
  std::optional<std::uint64_t> content_length;
  bool has_body = false;     // false: no body at all (GET without CL, etc.)
  bool early_data = false;   // arrived in TLS/QUIC 0-RTT
  std::chrono::steady_clock::time_point start{};  // first byte of the head

  std::string_view path() const;   // target without the query
  std::string_view query() const;  // after '?', without it
};

struct Response {
  int status = 200;
  Headers headers;           // regular fields; codecs add Date/Server if absent
};

std::string_view reason_phrase(int status);

}  // namespace strata::http

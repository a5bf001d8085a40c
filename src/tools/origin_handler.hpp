// The request handler of `strata origin`, a fast test origin used by tests,
// benchmarks and labs. Endpoints (GET unless noted):
//   /               short text
//   /bytes/N        N bytes of a deterministic pattern (origin_byte(i)),
//                   Content-Length set, streamed in chunks of kChunk bytes
//   /status/CODE    answers CODE (200..599) with a short body
//   /delay/MS       waits MS ms (steady_timer on the exchange's executor), then 200
//   /headers        the request as JSON: method, target, protocol, scheme,
//                   authority, peer, headers (object; repeated names joined ", ")
//   /echo           any method: streams the request body back as it is read,
//                   with its content-type and x-echo-method
//   /trailers       a body, then trailers grpc-status: 0, grpc-message: OK
//   /ws             WebSocket echo (RFC 6455, tools/ws_echo.hpp) over an
//                   HTTP/1.1 Upgrade (Exchange::upgrade); 426 without
//                   an upgrade, 400 on a bad handshake
// anything else 404. Every response carries x-origin-id. Faults: a fraction
// of requests is reset (reset_rate) or answered 500 (error_rate), after the
// added latency. Safe to share across workers (no mutable state but an
// atomic request counter driving a seeded, deterministic RNG).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "http/exchange.hpp"

namespace strata::tools {

struct OriginOptions {
  std::string id = "origin";          // value of x-origin-id
  double error_rate = 0;              // 0..1: fraction answered 500
  double reset_rate = 0;              // 0..1: fraction reset via Exchange::reset()
  std::uint32_t latency_ms = 0;       // added to every request
  std::uint32_t jitter_ms = 0;        // plus uniform 0..jitter_ms
  std::uint64_t seed = 1;             // RNG seed (fault and jitter decisions)
  std::uint64_t max_bytes = 1ull << 34;     // /bytes/N above this -> 400
  std::uint32_t max_delay_ms = 60'000;      // /delay/MS above this -> 400
  std::uint32_t ws_idle_ms = 300'000;       // /ws closed after this long without a client byte
};

constexpr std::size_t kOriginChunk = 64 * 1024;

// Byte i of every /bytes/N body.
char origin_byte(std::uint64_t i);

std::shared_ptr<http::Handler> make_origin_handler(const OriginOptions& opts);

}  // namespace strata::tools

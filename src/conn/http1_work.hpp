// The per-request state of an HTTP/1.1 connection (read and write buffers,
// parser, body decoder, request, trailers, the limits of the request's
// configuration), held only while the connection is serving; a connection
// parked between requests gives it back. Each worker thread keeps a small
// LIFO pool of these so the next request, on this or another connection,
// reuses the buffers and header storage without allocating.
// Pool bound: kHttp1WorkPoolMax objects per worker thread (beyond it they
// are freed); an object's read buffer is cut back to kHttp1IdleBufferMax
// and its write buffer to kHttp1IdleOutMax before it is pooled, so the pool
// holds at most ~kHttp1WorkPoolMax * 6 KiB plus header storage per worker.
// Gauge strata_http1_work_pooled: objects in the pools (all workers).
// Thread: a pool is per thread; acquire/release on the connection's worker.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/request_parser.hpp"
#include "config/config.hpp"
#include "http/message.hpp"
#include "io/transport.hpp"

namespace strata::conn {

inline constexpr std::size_t kHttp1WorkPoolMax = 64;
inline constexpr std::size_t kHttp1InitialBuffer = 1024;   // nginx's client_header_buffer_size
inline constexpr std::size_t kHttp1IdleBufferMax = 4 * 1024;
inline constexpr std::size_t kHttp1IdleOutMax = 2 * 1024;

struct Http1Work {
  std::string in;             // read buffer (size() is its capacity in use)
  std::string out;            // serialized bytes not yet written
  codec::http1::RequestParser parser;
  codec::http1::BodyDecoder decoder;
  http::Request req;
  http::Headers trailers;
  config::Limits limits;
  config::Timeouts timeouts;
  // A send_head_now/send_body_now the socket did not take at once: what
  // finish_send() writes (views into out, chunk_line and the caller's data).
  io::Transport::Rest rest;
  char chunk_line[20];
};

// A Http1Work from this thread's pool (or a new one), its read buffer
// kHttp1InitialBuffer bytes or more, its write buffer empty.
std::unique_ptr<Http1Work> acquire_http1_work();
// Back to this thread's pool (trimmed), or freed when the pool is full.
void release_http1_work(std::unique_ptr<Http1Work> w);
// Objects pooled on this thread (tests).
std::size_t http1_work_pooled();

}  // namespace strata::conn

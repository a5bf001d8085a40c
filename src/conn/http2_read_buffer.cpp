#include "conn/http2_read_buffer.hpp"

#include <vector>

namespace strata::conn {

namespace {
std::vector<Http2ReadBuffer>& pool() {
  thread_local std::vector<Http2ReadBuffer> p;
  return p;
}
}  // namespace

Http2ReadBuffer acquire_http2_read_buffer() {
  auto& p = pool();
  if (p.empty()) return Http2ReadBuffer(new char[kHttp2ReadBuffer]);
  auto b = std::move(p.back());
  p.pop_back();
  return b;
}

void release_http2_read_buffer(Http2ReadBuffer b) {
  auto& p = pool();
  if (b && p.size() < kHttp2ReadBufferPool) p.push_back(std::move(b));
}

std::size_t http2_read_buffers_pooled() { return pool().size(); }

}  // namespace strata::conn

// The per-thread pool of HTTP/2 reader buffers: LIFO reuse, bounded.
#include <gtest/gtest.h>

#include <vector>

#include "conn/http2_read_buffer.hpp"

namespace strata::conn {
namespace {

TEST(Http2ReadBuffer, ReusedLifoAndBounded) {
  std::vector<Http2ReadBuffer> held;
  while (http2_read_buffers_pooled() > 0) held.push_back(acquire_http2_read_buffer());
  auto a = acquire_http2_read_buffer();
  char* pa = a.get();
  release_http2_read_buffer(std::move(a));
  EXPECT_EQ(http2_read_buffers_pooled(), 1u);
  auto b = acquire_http2_read_buffer();
  EXPECT_EQ(b.get(), pa);  // the same buffer, no allocation
  EXPECT_EQ(http2_read_buffers_pooled(), 0u);
  for (std::size_t i = 0; i < kHttp2ReadBufferPool + 3; ++i) held.push_back(acquire_http2_read_buffer());
  for (auto& h : held) release_http2_read_buffer(std::move(h));
  EXPECT_EQ(http2_read_buffers_pooled(), kHttp2ReadBufferPool);
  release_http2_read_buffer(std::move(b));
  EXPECT_EQ(http2_read_buffers_pooled(), kHttp2ReadBufferPool);
}

}  // namespace
}  // namespace strata::conn

// serve_object with a body in a sealed memfd (cache/body.hpp): natively
// through http::FileBodySink when the exchange has one, else the mapped
// bytes through send_body.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "cache/body.hpp"
#include "cache/serve.hpp"
#include "http/file_body.hpp"
#include "unit/support/fake_exchange.hpp"

namespace strata::cache {
namespace {

namespace asio = boost::asio;

// Records send_file calls instead of sending.
class NativeExchange : public test::FakeExchange, public http::FileBodySink {
 public:
  using FakeExchange::FakeExchange;
  bool native_send_file() const override { return native; }
  asio::awaitable<http::error_code> send_file(int fd, std::uint64_t offset, std::uint64_t len,
                                              bool end_stream) override {
    files.push_back({fd, offset, len, end_stream});
    co_return http::error_code{};
  }
  struct Call {
    int fd;
    std::uint64_t offset, len;
    bool end;
  };
  bool native = true;
  std::vector<Call> files;
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = char(i % 251);
  return s;
}

struct ServeFile : ::testing::Test {
  ServeFile() { set_body_files(1024, 100); }
  ~ServeFile() override { set_body_files(16 * 1024, 4096); }

  Object object() {
    Object o;
    o.status = 200;
    o.headers = {{"etag", "\"e\""}};
    o.body = make_body(pattern(40000));
    EXPECT_GE(o.body->fd(), 0);
    return o;
  }
  void serve(http::Exchange& ex, const Object& o, const http::Headers& h, std::string_view method = "GET") {
    ServeOptions so;
    so.method = method;
    so.client = &h;
    so.cache_status = "strata; hit";
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { co_await serve_object(ex, o, so); }, asio::detached);
    io.restart();
    io.run();
  }
  asio::io_context io;
};

TEST_F(ServeFile, NativeExchangeGetsTheFileRegion) {
  const Object o = object();
  NativeExchange ex{io};
  serve(ex, o, {});
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.header("content-length"), "40000");
  ASSERT_EQ(ex.files.size(), 1u);
  EXPECT_EQ(ex.files[0].fd, o.body->fd());
  EXPECT_EQ(ex.files[0].offset, 0u);
  EXPECT_EQ(ex.files[0].len, 40000u);
  EXPECT_TRUE(ex.files[0].end);
  EXPECT_EQ(ex.body, "");  // nothing copied

  NativeExchange r{io};
  http::Headers h;
  h.add("range", "bytes=1000-1999");
  serve(r, o, h);
  EXPECT_EQ(r.status(), 206);
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].offset, 1000u);
  EXPECT_EQ(r.files[0].len, 1000u);

  NativeExchange head{io};
  serve(head, o, {}, "HEAD");
  EXPECT_TRUE(head.files.empty());
  EXPECT_EQ(head.header("content-length"), "40000");
}

TEST_F(ServeFile, OtherExchangesGetTheMappedBytes) {
  const Object o = object();
  NativeExchange off{io};
  off.native = false;  // e.g. TLS, or a body transform on the way
  serve(off, o, {});
  EXPECT_TRUE(off.files.empty());
  EXPECT_TRUE(off.body == pattern(40000));

  test::FakeExchange plain{io};
  http::Headers h;
  h.add("range", "bytes=-5");
  serve(plain, o, h);
  EXPECT_EQ(plain.status(), 206);
  EXPECT_EQ(plain.body, pattern(40000).substr(39995));
}

}  // namespace
}  // namespace strata::cache

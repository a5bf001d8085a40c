#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "router/actions/files.hpp"
#include "router/actions/http_date.hpp"
#include "router/matchers.hpp"
#include "unit/support/fake_exchange_router.hpp"

using namespace strata;
namespace fs = std::filesystem;

namespace {

struct ServeFiles {
  const router::FilesHandler& h;
  std::string_view prefix;
  boost::asio::awaitable<void> handle(http::Exchange& ex) { co_await h.serve(ex, prefix); }
};

class RouterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("strata_files_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "root/sub");
    write(base_ / "root/hello.txt", "hello world\n");
    write(base_ / "root/sub/index.html", "<p>index</p>");
    write(base_ / "secret.txt", "top secret");
    big_.resize(300 * 1024);
    for (std::size_t i = 0; i < big_.size(); ++i) big_[i] = char('a' + i % 26);
    write(base_ / "root/big.bin", big_);
    fs::create_symlink(base_ / "secret.txt", base_ / "root/escape.txt");
    fs::create_symlink(base_ / "root/hello.txt", base_ / "root/inside.txt");
    cfg_.root = (base_ / "root").string();
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& p, const std::string& s) {
    std::ofstream f(p, std::ios::binary);
    f << s;
  }

  test::RouterFakeExchange& get(std::string target, std::string method = "GET",
                                std::string_view prefix = "") {
    handler_ = std::make_unique<router::FilesHandler>(cfg_, config::Location{});
    ex_ = std::make_unique<test::RouterFakeExchange>(io_);
    ex_->req.method = std::move(method);
    ex_->req.target = std::move(target);
    return *ex_;
  }
  void run(std::string_view prefix = "") {
    ServeFiles s{*handler_, prefix};
    test::run_handler(io_, s, *ex_);
  }

  fs::path base_;
  std::string big_;
  config::FilesAction cfg_;
  boost::asio::io_context io_;
  std::unique_ptr<router::FilesHandler> handler_;
  std::unique_ptr<test::RouterFakeExchange> ex_;
};

}  // namespace

TEST_F(RouterFiles, ServesFileWithValidators) {
  auto& ex = get("/hello.txt");
  run();
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.body, "hello world\n");
  EXPECT_EQ(ex.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(ex.header("content-length"), "12");
  EXPECT_FALSE(ex.header("etag").empty());
  EXPECT_TRUE(router::parse_http_date(ex.header("last-modified")).has_value());
  EXPECT_EQ(ex.header("accept-ranges"), "bytes");
}

TEST_F(RouterFiles, StripPrefixAndIndex) {
  auto& ex = get("/static/sub/");
  run("/static/");
  EXPECT_EQ(ex.status(), 200);
  EXPECT_EQ(ex.body, "<p>index</p>");
  EXPECT_EQ(ex.header("content-type"), "text/html; charset=utf-8");
}

TEST_F(RouterFiles, DirectoryWithoutSlashRedirects) {
  auto& ex = get("/sub?x=1");
  run();
  EXPECT_EQ(ex.status(), 301);
  EXPECT_EQ(ex.header("location"), "/sub/?x=1");
}

TEST_F(RouterFiles, TraversalRefused) {
  auto& a = get("/../secret.txt");
  run();
  EXPECT_EQ(a.status(), 403);
  auto& b = get("/sub/%2e%2e/%2E%2E/secret.txt");
  run();
  EXPECT_EQ(b.status(), 403);
  EXPECT_EQ(b.body.find("secret"), std::string::npos);
  auto& c = get("/a%00b");
  run();
  EXPECT_EQ(c.status(), 400);
}

TEST_F(RouterFiles, SymlinkEscapeRefusedInsideAllowed) {
  auto& a = get("/escape.txt");
  run();
  EXPECT_EQ(a.status(), 404);
  EXPECT_EQ(a.body.find("top secret"), std::string::npos);
  auto& b = get("/inside.txt");
  run();
  EXPECT_EQ(b.status(), 200);
  EXPECT_EQ(b.body, "hello world\n");
}

TEST_F(RouterFiles, MissingIs404AndPostIs405) {
  auto& a = get("/nope.txt");
  run();
  EXPECT_EQ(a.status(), 404);
  auto& b = get("/hello.txt", "POST");
  run();
  EXPECT_EQ(b.status(), 405);
  EXPECT_EQ(b.header("allow"), "GET, HEAD");
}

TEST_F(RouterFiles, ConditionalGives304) {
  auto& a = get("/hello.txt");
  run();
  std::string etag = a.header("etag");
  std::string lm = a.header("last-modified");
  auto& b = get("/hello.txt");
  b.req.headers.add("if-none-match", "\"other\", " + etag);
  run();
  EXPECT_EQ(b.status(), 304);
  EXPECT_TRUE(b.body.empty());
  auto& c = get("/hello.txt");
  c.req.headers.add("if-modified-since", lm);
  run();
  EXPECT_EQ(c.status(), 304);
  auto& d = get("/hello.txt");
  d.req.headers.add("if-none-match", "\"other\"");
  d.req.headers.add("if-modified-since", lm);  // ignored when If-None-Match is present
  run();
  EXPECT_EQ(d.status(), 200);
}

TEST_F(RouterFiles, RangeRequests) {
  auto& a = get("/hello.txt");
  a.req.headers.add("range", "bytes=0-4");
  run();
  EXPECT_EQ(a.status(), 206);
  EXPECT_EQ(a.body, "hello");
  EXPECT_EQ(a.header("content-range"), "bytes 0-4/12");
  EXPECT_EQ(a.header("content-length"), "5");

  auto& b = get("/hello.txt");
  b.req.headers.add("range", "bytes=50-");
  run();
  EXPECT_EQ(b.status(), 416);
  EXPECT_EQ(b.header("content-range"), "bytes */12");

  auto& c = get("/hello.txt");
  c.req.headers.add("range", "bytes=0-1,3-4");
  run();
  EXPECT_EQ(c.status(), 200);
  EXPECT_EQ(c.body, "hello world\n");

  auto& d = get("/hello.txt");
  d.req.headers.add("range", "bytes=0-1");
  d.req.headers.add("if-range", "\"stale\"");
  run();
  EXPECT_EQ(d.status(), 200);
}

TEST_F(RouterFiles, LargeFileStreamsInBoundedChunks) {
  auto& a = get("/big.bin");
  run();
  EXPECT_EQ(a.status(), 200);
  EXPECT_EQ(a.body, big_);
  EXPECT_LE(a.max_chunk, router::FilesHandler::kChunk);
  EXPECT_GE(a.body_calls, 5u);
  EXPECT_TRUE(a.ended);

  auto& b = get("/big.bin");
  b.req.headers.add("range", "bytes=100000-200000");
  run();
  EXPECT_EQ(b.status(), 206);
  EXPECT_EQ(b.body, big_.substr(100000, 100001));
}

TEST_F(RouterFiles, HeadHasLengthNoBody) {
  auto& a = get("/big.bin", "HEAD");
  run();
  EXPECT_EQ(a.status(), 200);
  EXPECT_EQ(a.header("content-length"), std::to_string(big_.size()));
  EXPECT_TRUE(a.head_end_stream);
  EXPECT_TRUE(a.body.empty());
}

TEST_F(RouterFiles, MissingRootThrows) {
  config::FilesAction f;
  f.root = (base_ / "does-not-exist").string();
  EXPECT_THROW(router::FilesHandler(f, {}), router::RouteError);
}

TEST(RouterPercentDecode, Cases) {
  std::string out;
  EXPECT_TRUE(router::percent_decode_path("/a%20b", out));
  EXPECT_EQ(out, "/a b");
  EXPECT_FALSE(router::percent_decode_path("/a%2", out));
  EXPECT_FALSE(router::percent_decode_path("/a%zz", out));
  EXPECT_FALSE(router::percent_decode_path("%00", out));
}

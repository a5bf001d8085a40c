#include "tools/origin_handler.hpp"

#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <nlohmann/json.hpp>

#include "io/transport.hpp"
#include "obs/metrics.hpp"
#include "tools/ws_echo.hpp"

namespace strata::tools {

namespace {

constexpr std::string_view kAlphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";  // 64 characters
static_assert(kAlphabet.size() == 64 && kOriginChunk % 64 == 0);

// One chunk of the pattern; every chunk of a body starts at a multiple of 64.
const std::array<char, kOriginChunk>& pattern_chunk() {
  static const auto chunk = [] {
    std::array<char, kOriginChunk> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = kAlphabet[i % 64];
    return a;
  }();
  return chunk;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

double unit(std::uint64_t x) { return double(x >> 11) * (1.0 / 9007199254740992.0); }

template <class T>
bool parse_num(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

boost::asio::awaitable<void> sleep_ms(http::Exchange& ex, std::uint64_t ms) {
  if (ms == 0) co_return;
  boost::asio::steady_timer t(ex.executor(), std::chrono::milliseconds(ms));
  co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

class Origin final : public http::Handler {
 public:
  explicit Origin(OriginOptions o) : o_(std::move(o)) {}

  boost::asio::awaitable<void> handle(http::Exchange& ex) override {
    const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
    requests_->inc();
    const std::uint64_t r1 = splitmix64(o_.seed ^ splitmix64(n));
    const std::uint64_t r2 = splitmix64(r1);
    const std::uint64_t r3 = splitmix64(r2);

    std::uint64_t latency = o_.latency_ms;
    if (o_.jitter_ms) latency += r1 % (std::uint64_t(o_.jitter_ms) + 1);
    co_await sleep_ms(ex, latency);

    if (o_.reset_rate > 0 && unit(r2) < o_.reset_rate) {
      ex.reset();
      co_return;
    }
    if (o_.error_rate > 0 && unit(r3) < o_.error_rate) {
      co_await text(ex, 500, "injected error\n");
      co_return;
    }

    const auto& req = ex.request();
    std::string_view path = req.path();
    if (path == "/") {
      co_await text(ex, 200, "strata origin\n");
    } else if (path.starts_with("/bytes/")) {
      co_await bytes(ex, path.substr(7));
    } else if (path.starts_with("/status/")) {
      int code = 0;
      if (!parse_num(path.substr(8), code) || code < 200 || code > 599)
        co_await text(ex, 400, "status must be 200..599\n");
      else
        co_await text(ex, code, "status " + std::to_string(code) + "\n");
    } else if (path.starts_with("/delay/")) {
      std::uint64_t ms = 0;
      if (!parse_num(path.substr(7), ms) || ms > o_.max_delay_ms) {
        co_await text(ex, 400, "bad delay\n");
      } else {
        co_await sleep_ms(ex, ms);
        co_await text(ex, 200, "delayed " + std::to_string(ms) + "ms\n");
      }
    } else if (path == "/headers") {
      co_await headers(ex);
    } else if (path == "/echo") {
      co_await echo(ex);
    } else if (path == "/trailers") {
      co_await trailers(ex);
    } else if (path == "/ws") {
      co_await websocket(ex);
    } else {
      co_await text(ex, 404, "not found\n");
    }
  }

 private:
  void base(http::Response& r) const { r.headers.add("x-origin-id", o_.id); }

  boost::asio::awaitable<void> websocket(http::Exchange& ex) {
    const auto& req = ex.request();
    const auto up = req.headers.get("upgrade");
    if (!http::is_upgrade_request(req) || !up || !http::iequals(*up, "websocket")) {
      co_await text(ex, 426, "websocket upgrade required\n");
      co_return;
    }
    const auto key = req.headers.get("sec-websocket-key");
    const auto version = req.headers.get("sec-websocket-version");
    if (req.method != "GET" || !key || key->empty() || !version || *version != "13") {
      co_await text(ex, 400, "bad websocket handshake\n");
      co_return;
    }
    http::Response r;
    r.status = 101;
    base(r);
    r.headers.add("upgrade", "websocket");
    r.headers.add("sec-websocket-accept", ws_accept(*key));
    std::string leftover;
    auto t = co_await ex.upgrade(r, leftover);
    if (!t) {
      if (!ex.head_sent()) co_await text(ex, 400, "cannot switch protocols here\n");
      co_return;
    }
    co_await ws_echo(*t, std::move(leftover), std::chrono::milliseconds(o_.ws_idle_ms));
  }

  boost::asio::awaitable<void> text(http::Exchange& ex, int status, std::string body,
                                    std::string_view type = "text/plain; charset=utf-8") {
    http::Response r;
    r.status = status;
    base(r);
    r.headers.add("content-type", type);
    r.headers.add("content-length", std::to_string(body.size()));
    if (co_await ex.send_head(r, body.empty())) co_return;
    if (!body.empty()) co_await ex.send_body(std::span<const char>(body.data(), body.size()), true);
  }

  boost::asio::awaitable<void> bytes(http::Exchange& ex, std::string_view arg) {
    std::uint64_t n = 0;
    if (!parse_num(arg, n) || n > o_.max_bytes) {
      co_await text(ex, 400, "bad size\n");
      co_return;
    }
    http::Response r;
    base(r);
    r.headers.add("content-type", "application/octet-stream");
    r.headers.add("content-length", std::to_string(n));
    if (n == 0 || ex.request().method == "HEAD") {
      co_await ex.send_head(r, true);
      co_return;
    }
    if (co_await ex.send_head(r, false)) co_return;
    const auto& chunk = pattern_chunk();
    std::uint64_t left = n;
    while (left > 0) {
      std::size_t k = std::size_t(std::min<std::uint64_t>(left, chunk.size()));
      left -= k;
      if (co_await ex.send_body(std::span<const char>(chunk.data(), k), left == 0)) co_return;
    }
  }

  boost::asio::awaitable<void> headers(http::Exchange& ex) {
    const auto& req = ex.request();
    const auto& ci = ex.conn();
    nlohmann::json j;
    j["method"] = req.method;
    j["target"] = req.target;
    j["protocol"] = std::string(http::protocol_name(req.protocol));
    j["scheme"] = req.scheme;
    j["authority"] = req.authority;
    j["peer"] = ci.peer_ip + ":" + std::to_string(ci.peer_port);
    nlohmann::json h = nlohmann::json::object();
    for (const auto& f : req.headers) {
      const std::string name(f.name);
      if (h.contains(name)) h[name] = h[name].get<std::string>() + ", " + std::string(f.value);
      else h[name] = std::string(f.value);
    }
    j["headers"] = std::move(h);
    co_await text(ex, 200, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
  }

  boost::asio::awaitable<void> echo(http::Exchange& ex) {
    const auto& req = ex.request();
    http::Response r;
    base(r);
    r.headers.add("content-type",
                  req.headers.get("content-type").value_or("application/octet-stream"));
    r.headers.add("x-echo-method", req.method);
    if (req.content_length) r.headers.add("content-length", std::to_string(*req.content_length));
    if (!req.has_body || (req.content_length && *req.content_length == 0)) {
      if (!req.content_length) r.headers.add("content-length", "0");
      co_await ex.send_head(r, true);
      co_return;
    }
    if (co_await ex.send_head(r, false)) co_return;
    std::vector<char> buf(16 * 1024);
    for (;;) {
      auto [ec, n] = co_await ex.read_body(buf);
      if (ec) {
        ex.reset();
        co_return;
      }
      if (n == 0) {
        co_await ex.send_body({}, true);
        co_return;
      }
      if (co_await ex.send_body(std::span<const char>(buf.data(), n), false)) co_return;
    }
  }

  boost::asio::awaitable<void> trailers(http::Exchange& ex) {
    http::Response r;
    base(r);
    r.headers.add("content-type", "text/plain; charset=utf-8");
    r.headers.add("trailer", "grpc-status, grpc-message");
    if (co_await ex.send_head(r, false)) co_return;
    static constexpr std::string_view kBody = "body before trailers\n";
    if (co_await ex.send_body(std::span<const char>(kBody.data(), kBody.size()), false)) co_return;
    http::Headers t;
    t.add("grpc-status", "0");
    t.add("grpc-message", "OK");
    co_await ex.send_trailers(t);
  }

  const OriginOptions o_;
  std::atomic<std::uint64_t> counter_{0};
  obs::Counter* requests_ = &obs::counter("strata_origin_requests_total", "Requests served by strata origin");
};

}  // namespace

char origin_byte(std::uint64_t i) { return kAlphabet[i % 64]; }

std::shared_ptr<http::Handler> make_origin_handler(const OriginOptions& opts) {
  return std::make_shared<Origin>(opts);
}

}  // namespace strata::tools

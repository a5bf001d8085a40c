// The transport under Connection and PubSubConnection (redis/link.hpp).
#include "redis/link.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "redis/format.hpp"
#include "redis/reader.hpp"
#include "redis/redis_metrics.hpp"

namespace strata::redis::detail {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// Bytes read per syscall: a burst of pub/sub messages is taken in big bites.
constexpr std::size_t kReadBuffer = 256 * 1024;
// Bytes fed to hiredis at a time: its reader moves the unread rest of its
// buffer after every 1 KiB consumed, so small slices keep that cheap.
constexpr std::size_t kFeedSlice = 4096;

}  // namespace

std::string read_password(const config::RedisConfig& cfg) {
  if (!cfg.password.empty() || cfg.password_file.empty()) return cfg.password;
  std::ifstream in(cfg.password_file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read password_file '" + cfg.password_file + "'");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

struct Stream {
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  tcp::socket& lowest() { return tls ? tls->next_layer() : *plain; }
  template <class B, class H>
  void read_some(const B& b, H&& h) {
    if (tls)
      tls->async_read_some(b, std::forward<H>(h));
    else
      plain->async_read_some(b, std::forward<H>(h));
  }
  template <class B, class H>
  void write(const B& b, H&& h) {
    if (tls)
      asio::async_write(*tls, b, std::forward<H>(h));
    else
      asio::async_write(*plain, b, std::forward<H>(h));
  }
};

struct Link::Io {
  Io(const asio::any_io_executor& ex, const config::RedisConfig& cfg)
      : resolver(ex), timer(ex), reader(cfg.max_reply), rbuf(kReadBuffer), rng(std::random_device{}()) {}
  tcp::resolver resolver;
  asio::steady_timer timer;  // connect timeout, then the backoff wait
  std::optional<ssl::context> ctx;
  // Shared with the operations in flight on it: an old stream outlives
  // its aborted operations after a reconnect.
  std::shared_ptr<Stream> stream;
  Reader reader;
  std::vector<char> rbuf;
  std::mt19937_64 rng;
};

Link::Link(asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg, std::string name,
           bool select_db)
    : ex_(std::move(ex)), ep_(std::move(ep)), cfg_(cfg), name_(std::move(name)), select_db_(select_db),
      io_(std::make_unique<Io>(ex_, cfg_)) {
  if (cfg_.tls) {
    io_->ctx.emplace(ssl::context::tls_client);
    if (!cfg_.tls_ca_file.empty())
      io_->ctx->load_verify_file(cfg_.tls_ca_file);
    else
      io_->ctx->set_default_verify_paths();
    io_->ctx->set_verify_mode(cfg_.tls_verify ? ssl::verify_peer : ssl::verify_none);
  }
}

Link::~Link() = default;

void Link::start() {
  if (state_ == State::idle) attempt();
}

std::chrono::milliseconds Link::next_backoff() {
  using std::chrono::milliseconds;
  const auto lo = std::max<long long>(1, cfg_.reconnect_min.count());
  const auto hi = std::max<long long>(lo, cfg_.reconnect_max.count());
  long long d = lo;
  for (unsigned i = 0; i < attempts_ && d < hi; ++i) d *= 2;
  d = std::min(d, hi);
  ++attempts_;
  std::uniform_int_distribution<long long> dist(std::max<long long>(1, d / 2), d);
  return milliseconds(dist(io_->rng));
}

void Link::drop_io() {
  boost::system::error_code ec;
  io_->resolver.cancel();
  io_->timer.cancel();
  if (io_->stream) {
    io_->stream->lowest().close(ec);
    io_->stream.reset();
  }
  out_.clear();
  writing_ = false;
  flush_posted_ = false;
  hello_left_ = 0;
}

void Link::attempt() {
  drop_io();
  state_ = State::connecting;
  const auto gen = ++gen_;
  io_->reader.reset();
  auto s = std::make_shared<Stream>();
  if (io_->ctx)
    s->tls.emplace(ex_, *io_->ctx);
  else
    s->plain.emplace(ex_);
  io_->stream = s;
  auto self = shared_from_this();
  io_->timer.expires_after(cfg_.connect_timeout);
  io_->timer.async_wait([self, gen](boost::system::error_code ec) {
    if (ec || gen != self->gen_) return;
    if (self->state_ == State::connecting || self->state_ == State::hello)
      self->fail(Errc::disconnected, "connect timeout");
  });
  io_->resolver.async_resolve(
      ep_.host, std::to_string(ep_.port),
      [self, gen, s](boost::system::error_code ec, tcp::resolver::results_type res) {
        if (gen != self->gen_) return;
        if (ec) return self->fail(Errc::disconnected, "resolve: " + ec.message());
        asio::async_connect(s->lowest(), res, [self, gen, s](boost::system::error_code ec, const tcp::endpoint&) {
          if (gen != self->gen_) return;
          if (ec) return self->fail(Errc::disconnected, "connect: " + ec.message());
          boost::system::error_code ig;
          s->lowest().set_option(tcp::no_delay(true), ig);
          s->lowest().set_option(asio::socket_base::keep_alive(true), ig);
          if (!s->tls) return self->connected(gen);
          const std::string& sni = self->cfg_.tls_server_name.empty() ? self->ep_.host : self->cfg_.tls_server_name;
          SSL_set_tlsext_host_name(s->tls->native_handle(), sni.c_str());
          if (self->cfg_.tls_verify) s->tls->set_verify_callback(ssl::host_name_verification(sni));
          s->tls->async_handshake(ssl::stream_base::client, [self, gen, s](boost::system::error_code ec) {
            if (gen != self->gen_) return;
            if (ec) return self->fail(Errc::disconnected, "TLS handshake: " + ec.message());
            self->connected(gen);
          });
        });
      });
}

void Link::connected(std::uint64_t gen) {
  state_ = State::hello;
  std::string pass;
  try {
    pass = read_password(cfg_);
  } catch (const std::exception& e) {
    return fail(Errc::disconnected, e.what());
  }
  std::string hello;
  hello_left_ = 0;
  hello_auth_ = false;
  if (!pass.empty()) {
    if (cfg_.username.empty())
      format_command({"AUTH", pass}, hello);
    else
      format_command({"AUTH", cfg_.username, pass}, hello);
    ++hello_left_;
    hello_auth_ = true;
  }
  if (select_db_ && cfg_.db != 0) {
    format_command({"SELECT", std::to_string(cfg_.db)}, hello);
    ++hello_left_;
  }
  read(gen);
  if (hello_left_ == 0) return became_up();
  out_ = std::move(hello);
  flush(gen);
}

void Link::hello_reply(Reply& r) {
  if (r.is_error()) {
    const bool auth = hello_auth_;
    return fail(Errc::disconnected, std::string(auth ? "AUTH" : "SELECT") + " failed: " + r.str);
  }
  hello_auth_ = false;
  if (--hello_left_ == 0) became_up();
}

void Link::became_up() {
  state_ = State::up;
  attempts_ = 0;
  io_->timer.cancel();
  RedisMetrics::get().connections.add();
  spdlog::info("redis {} {}: connected", name_, ep_.to_string());
  on_up();
}

void Link::send(std::string_view bytes) {
  if (state_ != State::up) return;
  out_.append(bytes);
  if (writing_ || flush_posted_) return;
  flush_posted_ = true;
  asio::post(ex_, [self = shared_from_this(), gen = gen_] {
    if (gen != self->gen_) return;
    self->flush_posted_ = false;
    self->flush(gen);
  });
}

void Link::flush(std::uint64_t gen) {
  if (writing_ || out_.empty() || !io_->stream) return;
  writing_ = true;
  wbuf_.clear();
  wbuf_.swap(out_);
  auto s = io_->stream;
  s->write(asio::buffer(wbuf_), [self = shared_from_this(), gen, s](boost::system::error_code ec, std::size_t) {
    if (gen != self->gen_) return;
    self->writing_ = false;
    if (ec) return self->fail(Errc::disconnected, "write: " + ec.message());
    self->flush(gen);
  });
}

void Link::read(std::uint64_t gen) {
  auto s = io_->stream;
  s->read_some(asio::buffer(io_->rbuf), [self = shared_from_this(), gen, s](boost::system::error_code ec, std::size_t n) {
    if (gen != self->gen_) return;
    if (ec)
      return self->fail(Errc::disconnected,
                        ec == asio::error::eof ? std::string("closed by the server") : "read: " + ec.message());
    self->on_read(gen, n);
  });
}

void Link::on_read(std::uint64_t gen, std::size_t n) {
  auto& m = RedisMetrics::get();
  for (std::size_t off = 0; off < n;) {
    const std::size_t k = std::min(kFeedSlice, n - off);
    io_->reader.feed(io_->rbuf.data() + off, k);
    off += k;
    for (;;) {
      Reply r;
      const auto st = io_->reader.next(r);
      if (st == Reader::Status::incomplete) break;
      if (st != Reader::Status::reply) {
        (st == Reader::Status::too_large ? m.too_large : m.malformed).inc();
        spdlog::error("redis {} {}: bad reply ({}): {}; resetting the connection", name_, ep_.to_string(),
                      st == Reader::Status::too_large ? "too_large" : "malformed", io_->reader.error());
        return fail(Errc::protocol, "bad reply");
      }
      if (state_ == State::hello)
        hello_reply(r);
      else
        on_reply(r);
      if (gen != gen_) return;  // failed, reset or shut down by the hook
    }
  }
  read(gen);
}

void Link::fail(Errc why, std::string_view reason) {
  if (state_ == State::closed) return;
  const bool was_up = state_ == State::up;
  if (was_up || attempts_ == 0 || (attempts_ & (attempts_ - 1)) == 0)
    spdlog::warn("redis {} {}: {} (reconnecting)", name_, ep_.to_string(), reason);
  drop_io();
  ++gen_;
  if (was_up) RedisMetrics::get().connections.sub();
  state_ = State::waiting;
  io_->timer.expires_after(next_backoff());
  io_->timer.async_wait([self = shared_from_this(), gen = gen_](boost::system::error_code ec) {
    if (ec || gen != self->gen_ || self->state_ != State::waiting) return;
    RedisMetrics::get().reconnects.inc();
    self->attempt();
  });
  if (was_up) on_down(why);
}

void Link::shutdown() {
  if (state_ == State::closed) return;
  const bool was_up = state_ == State::up;
  state_ = State::closed;
  ++gen_;
  drop_io();
  if (was_up) RedisMetrics::get().connections.sub();
}

}  // namespace strata::redis::detail

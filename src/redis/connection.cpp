// Command connection: pipelined commands matched to replies in order
// (redis/connection.hpp) over detail::Link.
#include "redis/connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>

#include "redis/format.hpp"
#include "redis/link.hpp"
#include "redis/redis_metrics.hpp"

namespace strata::redis {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct Connection::Impl final : detail::Link {
  Impl(asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg, std::string name)
      : Link(ex, std::move(ep), cfg, std::move(name), true), timer(ex), heartbeat(ex) {}

  struct Pending {
    Callback cb;
    Clock::time_point deadline;
  };
  std::deque<Pending> inflight;  // written or queued, oldest first
  std::vector<std::function<void(bool)>> state_cbs;
  asio::steady_timer timer;  // the oldest command's deadline
  bool timer_armed = false;
  asio::steady_timer heartbeat;  // PING when idle (Link::heartbeat_interval)
  bool activity = false;         // a reply since the last heartbeat tick
  std::string scratch;

  void complete(Callback& cb, Result r) {
    if (!cb) return;  // our heartbeat PING
    RedisMetrics::get().count(r);
    cb(std::move(r));
  }

  void beat(std::uint64_t gen) {
    heartbeat.expires_after(heartbeat_interval());
    heartbeat.async_wait([self = std::static_pointer_cast<Impl>(shared_from_this()), gen](boost::system::error_code ec) {
      if (ec || gen != self->generation() || !self->up()) return;
      if (!self->activity && self->inflight.empty()) {
        self->scratch.clear();
        format_command({"PING"}, self->scratch);
        self->send(self->scratch);
        self->inflight.push_back({Callback{}, Clock::now() + self->cfg().command_timeout});
        RedisMetrics::get().pending.add();
        self->arm();
      }
      self->activity = false;
      self->beat(gen);
    });
  }

  // Fails fast on the executor (not inside the caller's command()).
  void fail_later(Callback cb, Errc e) {
    Result r;
    r.err = e;
    RedisMetrics::get().count(r);
    asio::post(executor(), [cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
  }

  void command(std::vector<std::string> args, Callback cb) {
    if (closed()) return fail_later(std::move(cb), Errc::closed);
    if (!up()) return fail_later(std::move(cb), Errc::disconnected);
    if (inflight.size() >= cfg().max_pending) return fail_later(std::move(cb), Errc::overloaded);
    scratch.clear();
    format_command(args, scratch);
    send(scratch);
    inflight.push_back({std::move(cb), Clock::now() + cfg().command_timeout});
    RedisMetrics::get().pending.add();
    arm();
  }

  void arm() {
    if (timer_armed || inflight.empty()) return;
    timer_armed = true;
    timer.expires_at(inflight.front().deadline);
    timer.async_wait([self = std::static_pointer_cast<Impl>(shared_from_this())](boost::system::error_code ec) {
      self->timer_armed = false;
      if (ec || self->inflight.empty() || !self->up()) return;
      if (self->inflight.front().deadline <= Clock::now()) {
        self->fail(Errc::timeout, "no reply within command_timeout (" +
                                      std::to_string(self->cfg().command_timeout.count()) + " ms)");
        return;
      }
      self->arm();
    });
  }

  void fail_all(Errc e) {
    auto q = std::move(inflight);
    inflight.clear();
    RedisMetrics::get().pending.sub(static_cast<std::int64_t>(q.size()));
    for (auto& p : q) {
      Result r;
      r.err = e;
      complete(p.cb, std::move(r));
    }
  }

  void notify(bool is_up) {
    auto cbs = state_cbs;  // a callback may add another
    for (auto& f : cbs) {
      if (closed()) return;
      f(is_up);
    }
  }

  void on_up() override {
    activity = false;
    beat(generation());
    notify(true);
  }

  void on_down(Errc why) override {
    timer.cancel();
    heartbeat.cancel();
    fail_all(why);
    notify(false);
  }

  void on_reply(Reply& r) override {
    if (inflight.empty()) {
      RedisMetrics::get().wrong_type.inc();
      spdlog::error("redis {} {}: a reply with no command waiting for it; resetting the connection", name(),
                    endpoint().to_string());
      return fail(Errc::protocol, "unexpected reply");
    }
    activity = true;
    auto p = std::move(inflight.front());
    inflight.pop_front();
    RedisMetrics::get().pending.sub();
    Result res;
    res.reply = std::move(r);
    complete(p.cb, std::move(res));
  }

  void close() {
    if (closed()) return;
    shutdown();
    timer.cancel();
    heartbeat.cancel();
    state_cbs.clear();
    fail_all(Errc::closed);
  }
};

Connection::Connection(asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg, std::string name)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(ep), cfg, std::move(name))) {
  impl_->start();
}

Connection::~Connection() { impl_->close(); }

void Connection::command(std::vector<std::string> args, Callback cb) { impl_->command(std::move(args), std::move(cb)); }

bool Connection::up() const { return impl_->up(); }

void Connection::on_state(std::function<void(bool)> f) { impl_->state_cbs.push_back(std::move(f)); }

const Endpoint& Connection::endpoint() const { return impl_->endpoint(); }

void Connection::close() { impl_->close(); }

}  // namespace strata::redis

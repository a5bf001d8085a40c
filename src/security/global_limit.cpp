#include "security/global_limit.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <thread>

#include "config/redis.hpp"
#include "obs/metrics.hpp"
#include "redis/client.hpp"
#include "security/limit_registry.hpp"

namespace strata::security {

namespace {

// KEYS[1] the key; ARGV interval (us), n. On Redis's clock (TIME), so the
// nodes' clocks do not matter. Returns TAT - now in microseconds.
const redis::Script& gcra_script() {
  static const redis::Script s(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
tat = tat + tonumber(ARGV[2]) * tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return math.floor(tat - now)
)lua");
  return s;
}

// Built during static initialization, on the main thread: its SHA-1 may be
// the process's first OpenSSL call, and OpenSSL's initialization leaves
// error state on the thread that runs it (a leak report when that thread is
// the backend's, which exits before the process does).
[[maybe_unused]] const redis::Script& kScriptAtStartup = gcra_script();

std::string fmt_us(std::int64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", double(ns) / 1000.0);
  return b;
}

obs::Gauge& mode_gauge() {
  static obs::Gauge& g = obs::gauge("strata_limit_redis_mode",
                                    "Global rate limits: 1 = decided with Redis, 0 = local fallback");
  return g;
}

}  // namespace

struct GlobalBackend::Impl {
  Impl(GlobalBackend& o, const config::RedisConfig& c)
      : owner(o), cfg(c), guard(io.get_executor()), probe(io) {}
  GlobalBackend& owner;
  config::RedisConfig cfg;
  boost::asio::io_context io{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  boost::asio::steady_timer probe;
  std::unique_ptr<redis::Client> client;  // the backend thread's
  std::thread thread;
  bool closing = false;

  void set_up(bool v) {
    if (owner.up_.exchange(v) != v) {
      mode_gauge().set(v ? 1 : 0);
      if (v)
        spdlog::info("rate limits: Redis reachable, global limits shared across nodes");
      else
        spdlog::warn("rate limits: Redis unreachable, global limits fall back to local limits");
    }
  }

  void start() {
    try {
      client = redis::make_client(cfg, io.get_executor(), "limits");
    } catch (const std::exception& e) {
      spdlog::error("rate limits: cannot create the Redis client ({}); global limits stay local", e.what());
      return;
    }
    ping();
  }

  // While down: a PING every 250 ms; up again on the first answer.
  void ping() {
    if (closing || !client) return;
    client->command("", {"PING"}, [this](redis::Result r) {
      set_up(r.ok());
      schedule_ping();
    });
  }
  void schedule_ping() {
    if (closing) return;
    probe.expires_after(std::chrono::milliseconds(owner.up() ? 1000 : 250));
    probe.async_wait([this](boost::system::error_code ec) {
      if (!ec) ping();
    });
  }

  void send(const std::weak_ptr<LimitState>& w, std::string key, std::uint32_t n) {
    auto s = w.lock();
    if (!s) return;  // the limit is gone (reloaded away)
    if (!client || closing) {
      s->table.find(key, [](LimitEntry& e) { e.inflight = 0; });
      return;
    }
    std::string rkey = "strata:rl:" + s->id + ":" + key;
    std::string route = rkey;
    client->eval(route, gcra_script(), {std::move(rkey)}, {fmt_us(s->p.interval), std::to_string(n)},
                 [this, w, key = std::move(key)](redis::Result r) mutable {
                   if (auto s = w.lock()) on_reply(std::move(s), std::move(key), r);
                 });
  }

  void on_reply(std::shared_ptr<LimitState> s, std::string key, const redis::Result& r) {
    const std::int64_t now = s->now();
    const bool ok = r.ok() && r.reply.is_integer();
    if (!ok) {
      if (r.err != redis::Errc::closed)
        spdlog::debug("rate limit {}: Redis report failed: {}", s->id, r.error_text());
      set_up(false);
    }
    std::uint32_t again = 0;
    s->table.find(key, [&](LimitEntry& e) {
      e.inflight = 0;
      if (!ok) {
        e.pending = 0;
        return;
      }
      // The next request fits in Redis when (TAT - now) + interval <= tolerance.
      const std::int64_t wait = r.reply.integer * 1000 + s->p.interval - s->p.tolerance;
      e.blocked_until = wait > 0 ? now + wait : 0;
      if (e.pending) {
        again = e.pending;
        e.inflight = again;
        e.pending = 0;
        e.inflight_since = now;
      }
    });
    if (again) send(s, std::move(key), again);
  }
};

GlobalBackend::GlobalBackend(const config::RedisConfig& cfg)
    : impl_(std::make_unique<Impl>(*this, cfg)),
      stale_after_(2 * std::chrono::nanoseconds(cfg.command_timeout).count()) {
  mode_gauge().set(0);
  impl_->thread = std::thread([this] {
    impl_->start();
    impl_->io.run();
  });
}

GlobalBackend::~GlobalBackend() { shutdown(); }

void GlobalBackend::shutdown() {
  if (!impl_->thread.joinable()) return;
  up_ = false;
  boost::asio::post(impl_->io, [i = impl_.get()] {
    i->closing = true;
    i->probe.cancel();
    if (i->client) i->client->close();
    i->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->client.reset();
}

void GlobalBackend::report(std::shared_ptr<LimitState> s, std::string key, std::uint32_t n) {
  std::weak_ptr<LimitState> w = s;
  boost::asio::post(impl_->io, [i = impl_.get(), w = std::move(w), key = std::move(key), n]() mutable {
    i->send(w, std::move(key), n);
  });
}

GcraResult decide_global(LimitState& s, std::string_view key, std::int64_t now) {
  GlobalBackend& b = *s.backend;
  if (!b.up()) {
    if (s.fallback) s.fallback->inc();
    return s.table.touch(key, [&](LimitEntry& e) { return gcra_check(e.tat, now, s.p); });
  }
  std::uint32_t send = 0;
  GcraResult r = s.table.touch(key, [&](LimitEntry& e) {
    GcraResult d;
    if (e.inflight && now - e.inflight_since > b.stale_after()) e.inflight = 0;  // lost
    if (now < e.blocked_until) {
      d.retry_after = e.blocked_until - now;
      d.reset = d.retry_after + s.p.tolerance;
      return d;
    }
    if (e.pending + e.inflight >= s.allowance) {  // wait for Redis's answer
      d.retry_after = s.p.interval;
      d.reset = s.p.tolerance;
      return d;
    }
    ++e.pending;
    d.allowed = true;
    d.remaining = s.allowance - e.pending - e.inflight;
    d.reset = s.p.tolerance;
    if (!e.inflight) {
      send = e.pending;
      e.inflight = send;
      e.pending = 0;
      e.inflight_since = now;
    }
    return d;
  });
  if (send) b.report(s.shared_from_this(), std::string(key), send);
  return r;
}

}  // namespace strata::security

#include "cache/purge_bus.hpp"

#include <mutex>
#include <random>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cache/store.hpp"
#include "config/config.hpp"
#include "config/redis.hpp"
#include "obs/metrics.hpp"
#include "redis/client.hpp"

namespace strata::cache {

namespace {

obs::Counter& messages(std::string_view event) {
  return obs::counter("strata_cache_purge_messages_total", "Cache purge bus messages, by event", {{"event", std::string(event)}});
}

struct BusMetrics {
  obs::Counter& sent = messages("sent");
  obs::Counter& send_failed = messages("send_failed");
  obs::Counter& received = messages("received");
  obs::Counter& own = messages("own");
  obs::Counter& bad = messages("bad");
  static BusMetrics& get() {
    static BusMetrics m;
    return m;
  }
};

// Calls `f` exactly once: with the result, or with a failure when dropped
// unanswered (the bus shut down with the command queued).
class Once {
 public:
  explicit Once(std::function<void(PublishResult)> f) : f_(std::move(f)) {}
  ~Once() { call({false, 0, "closed"}); }
  void call(PublishResult r) {
    if (auto f = std::exchange(f_, nullptr)) f(std::move(r));
  }

 private:
  std::function<void(PublishResult)> f_;
};

}  // namespace

struct PurgeBus::Impl final : redis::SubscriberHandler {
  Impl(PurgeBus& o, const config::RedisConfig& c) : owner(o), cfg(c), guard(io.get_executor()) {}
  PurgeBus& owner;
  config::RedisConfig cfg;
  boost::asio::io_context io{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
  std::unique_ptr<redis::Client> client;  // the bus thread's
  std::thread thread;

  void start() {
    try {
      client = redis::make_client(cfg, io.get_executor(), "cache purge");
    } catch (const std::exception& e) {
      spdlog::error("cache purge bus: cannot create the Redis client ({}); purges stay local", e.what());
      return;
    }
    client->set_handler(this);
    client->subscribe(owner.channel_, owner.channel_);
  }

  void send(std::string payload, std::shared_ptr<Once> done) {
    if (!client) {
      BusMetrics::get().send_failed.inc();
      done->call({false, 0, "no Redis client"});
      return;
    }
    std::vector<std::string> args{client->sharded() ? "SPUBLISH" : "PUBLISH", owner.channel_, std::move(payload)};
    client->command(owner.channel_, std::move(args), [done](redis::Result r) {
      PublishResult out;
      out.ok = r.ok() && r.reply.is_integer();
      if (out.ok) {
        out.receivers = r.reply.integer;
        BusMetrics::get().sent.inc();
      } else {
        out.error = r.error_text();
        BusMetrics::get().send_failed.inc();
        spdlog::warn("cache purge bus: publish failed ({}); the purge stayed local", out.error);
      }
      done->call(std::move(out));
    });
  }

  void on_message(std::string_view, std::string_view payload) override { owner.handle_message(payload); }
  void on_subscribed(std::string_view channel) override {
    if (!owner.subscribed_.exchange(true)) spdlog::info("cache purge bus: subscribed to {}", channel);
  }
  void on_interrupted(std::string_view channel) override {
    if (owner.subscribed_.exchange(false))
      spdlog::warn("cache purge bus: subscription to {} interrupted; purges from other nodes are missed until it "
                   "is back",
                   channel);
  }
};

PurgeBus::PurgeBus(const config::RedisConfig& redis, std::string channel,
                   std::function<std::shared_ptr<Store>()> store)
    : channel_(std::move(channel)), store_(std::move(store)), impl_(std::make_unique<Impl>(*this, redis)) {
  BusMetrics::get();
  impl_->thread = std::thread([i = impl_.get()] {
    i->start();
    i->io.run();
  });
}

PurgeBus::~PurgeBus() { shutdown(); }

void PurgeBus::shutdown() {
  if (!impl_->thread.joinable()) return;
  boost::asio::post(impl_->io, [i = impl_.get()] {
    if (i->client) i->client->close();
    i->io.stop();
  });
  impl_->thread.join();
  impl_->client.reset();
  subscribed_ = false;
}

void PurgeBus::publish(const PurgeRequest& r, std::function<void(PublishResult)> done) {
  auto once = std::make_shared<Once>(std::move(done));
  boost::asio::post(impl_->io, [i = impl_.get(), payload = purge_json(r, node_id()), once]() mutable {
    i->send(std::move(payload), std::move(once));
  });
}

const std::string& PurgeBus::node_id() {
  static const std::string id = [] {
    std::random_device rd;
    std::string s;
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 4; ++i) {
      const std::uint32_t v = rd();
      for (int b = 0; b < 8; ++b) s.push_back(kHex[(v >> (4 * b)) & 0xf]);
    }
    return s;
  }();
  return id;
}

bool PurgeBus::handle_message(std::string_view payload) {
  auto& m = BusMetrics::get();
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_object() && j.contains("node") && j["node"].is_string() && j["node"].get<std::string>() == node_id()) {
    m.own.inc();
    return false;
  }
  std::string error;
  auto r = j.is_object() ? parse_purge_json(payload, error) : std::nullopt;
  if (!r) {
    m.bad.inc();
    static std::atomic<std::uint64_t> n{0};  // log the first few, then every 1000th
    if (const auto k = n++; k < 10 || k % 1000 == 0)
      spdlog::warn("cache purge bus: malformed message on {}: {}", channel_, error.empty() ? "not JSON" : error);
    return false;
  }
  m.received.inc();
  auto store = store_ ? store_() : process_store();
  if (!store) return false;
  const auto c = apply_purge(*store, *r);
  spdlog::debug("cache purge bus: applied a purge from another node ({} objects)", c.total());
  return true;
}

namespace {

struct BusSlot {
  std::mutex mu;
  std::shared_ptr<PurgeBus> bus;
  config::RedisConfig redis;
};

BusSlot& slot() {
  static BusSlot s;
  return s;
}

}  // namespace

static bool any_cached_route(const config::Config& cfg) {
  for (const auto& [name, routes] : cfg.route_tables)
    for (const auto& r : routes)
      if (r.cache) return true;
  return false;
}

std::shared_ptr<PurgeBus> process_purge_bus() {
  auto& s = slot();
  std::lock_guard lk(s.mu);
  return s.bus;
}

void configure_purge_bus(const config::Config& cfg) {
  auto& s = slot();
  std::shared_ptr<PurgeBus> old;
  {
    std::lock_guard lk(s.mu);
    const bool cached = any_cached_route(cfg);
    if (cached) register_purge_metrics();  // the series exist (at 0) once a route is cached
    const bool want = cfg.redis.has_value() && !cfg.cache.purge_channel.empty() && cached;
    if (want && s.bus && s.redis == *cfg.redis && s.bus->channel() == cfg.cache.purge_channel) return;
    old = std::move(s.bus);
    if (want) {
      try {
        s.bus = std::make_shared<PurgeBus>(*cfg.redis, cfg.cache.purge_channel);
        s.redis = *cfg.redis;
      } catch (const std::exception& e) {
        spdlog::error("cache purge bus: {}; purges stay local", e.what());
      }
    }
  }
  if (old) old->shutdown();  // outside the lock: joins the bus thread
}

void stop_purge_bus() {
  std::shared_ptr<PurgeBus> old;
  {
    auto& s = slot();
    std::lock_guard lk(s.mu);
    old = std::move(s.bus);
  }
  if (old) old->shutdown();
}

}  // namespace strata::cache

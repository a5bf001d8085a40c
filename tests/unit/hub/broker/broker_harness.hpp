// Test helper: a hub in broker mode (hub.broker.type redis) over N
// io_contexts run from the test thread, each worker with a FakeRedisClient
// the test drives (replies, pub/sub), and a fake clock.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/hub.hpp"
#include "core/clock.hpp"
#include "hub/broker/names.hpp"
#include "hub/broker/payload.hpp"
#include "hub/broker/scripts.hpp"
#include "hub/hub_impl.hpp"
#include "hub/worker_hub.hpp"
#include "unit/hub/broker/fake_redis_client.hpp"

namespace strata::test {

struct BrokerHarness {
  explicit BrokerHarness(unsigned n = 1, config::HubConfig cfg = default_config()) : names("strata", 128, false) {
    std::vector<boost::asio::any_io_executor> ex;
    for (unsigned i = 0; i < n; ++i) {
      ios.push_back(std::make_unique<boost::asio::io_context>(1));
      ex.push_back(ios.back()->get_executor());
    }
    fakes.resize(n, nullptr);
    hub::HubOptions opt;
    opt.clock = &clock;
    opt.sweep_interval = std::chrono::milliseconds(0);
    opt.node = 0xabcde;
    opt.redis_client = [this](unsigned w, boost::asio::any_io_executor) {
      auto c = std::make_unique<FakeRedisClient>();
      fakes[w] = c.get();
      return c;
    };
    hub = hub::make_hub(std::move(ex), std::make_shared<const config::HubConfig>(std::move(cfg)), opt);
    run();
  }
  ~BrokerHarness() { hub.reset(); }

  static config::HubConfig default_config() {
    config::HubConfig c;
    c.namespaces.push_back(config::HubNamespace{.name = "", .history_size = 100, .anonymous = true});
    c.namespaces.push_back(config::HubNamespace{
        .name = "p", .history_size = 10, .presence = true, .join_leave = true, .anonymous = true});
    c.broker.type = config::HubBrokerType::redis;
    return c;
  }

  std::size_t run() {
    std::size_t total = 0;
    for (int round = 0; round < 10000; ++round) {
      std::size_t k = 0;
      for (auto& io : ios) {
        k += io->poll();
        io->restart();
      }
      total += k;
      if (!k) break;
    }
    return total;
  }

  hub::WorkerHub& on(unsigned w) { return hub->on(w); }
  hub::WorkerHubImpl& impl(unsigned w) { return dynamic_cast<hub::WorkerHubImpl&>(hub->on(w)); }
  FakeRedisClient& redis(unsigned w = 0) { return *fakes[w]; }
  std::string pubsub(const std::string& channel) const { return names.keys(channel).pubsub; }

  std::string owned_by(unsigned w, const std::string& prefix = "c") const {
    for (int i = 0;; ++i) {
      std::string name = prefix + std::to_string(i);
      if (hub::owner_of(name, unsigned(ios.size())) == w) return name;
    }
  }

  // Starts a subscription; the result lands in `out` when the hub answers.
  void subscribe(unsigned w, hub::Client& c, const std::string& channel, std::optional<hub::SubscribeResult>& out,
                 std::optional<hub::Position> since = std::nullopt) {
    on(w).subscribe(c, channel, std::move(since), [&out](hub::SubscribeResult r) { out = std::move(r); });
    run();
  }
  std::optional<hub::PublishResult> publish(unsigned w, const std::string& channel, std::string data = "1") {
    auto out = std::make_shared<std::optional<hub::PublishResult>>();
    on(w).publish(hub::PublishRequest{channel, std::move(data), nullptr}, [out](hub::PublishResult r) { *out = r; });
    run();
    return *out;
  }

  // Pub/sub events on owner worker `w`.
  void subscribed(unsigned w, const std::string& channel) {
    redis(w).handler->on_subscribed(pubsub(channel));
    run();
  }
  void interrupted(unsigned w, const std::string& channel) {
    redis(w).handler->on_interrupted(pubsub(channel));
    run();
  }
  void message(unsigned w, const std::string& channel, std::uint64_t offset, const std::string& epoch,
               std::string data = "1") {
    redis(w).handler->on_message(pubsub(channel),
                                 hub::broker::encode_publication(hub::broker::Pub{offset, epoch, 1, std::move(data)}));
    run();
  }
  // Answers the first pending read script call with the top and entries
  // (offset, data); returns its ARGV (create_epoch meta_ttl from to limit newest).
  std::vector<std::string> answer_read(unsigned w, std::uint64_t top, const std::string& epoch,
                                       std::vector<std::pair<std::uint64_t, std::string>> entries = {}) {
    auto c = redis(w).take(&hub::broker::read_script());
    std::vector<redis::Reply> v{r_int((long long)top), r_str(epoch)};
    for (auto& [o, d] : entries) {
      v.push_back(r_str(std::to_string(o) + "-1"));
      v.push_back(r_str(d));
      v.push_back(r_str("7"));
    }
    if (c.cb) c.cb(ok(r_arr(std::move(v))));
    run();
    return c.args;
  }

  core::FakeClock clock;
  hub::broker::Names names;
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  std::vector<FakeRedisClient*> fakes;
  std::unique_ptr<hub::Hub> hub;
};

}  // namespace strata::test

// Test helper: a hub over N io_contexts driven from the test thread (no
// worker threads), so cross-worker behaviour is deterministic; a fake clock.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "config/hub.hpp"
#include "core/clock.hpp"
#include "hub/hub_impl.hpp"
#include "hub/worker_hub.hpp"

namespace strata::test {

struct HubHarness {
  explicit HubHarness(unsigned n, config::HubConfig cfg = default_config()) {
    std::vector<boost::asio::any_io_executor> ex;
    for (unsigned i = 0; i < n; ++i) {
      ios.push_back(std::make_unique<boost::asio::io_context>(1));
      ex.push_back(ios.back()->get_executor());
    }
    hub::HubOptions opt;
    opt.clock = &clock;
    opt.sweep_interval = std::chrono::milliseconds(0);
    hub = hub::make_hub(std::move(ex), std::make_shared<const config::HubConfig>(std::move(cfg)), opt);
    run();
  }
  ~HubHarness() { hub.reset(); }

  static config::HubConfig default_config() {
    config::HubConfig c;
    c.namespaces.push_back(config::HubNamespace{.name = "", .history_size = 100, .anonymous = true});
    return c;
  }

  // Runs every context until nothing is left to do. Returns handlers run.
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

  // A channel name with prefix `prefix` owned by worker `w`.
  std::string owned_by(unsigned w, const std::string& prefix = "c") const {
    for (int i = 0;; ++i) {
      std::string name = prefix + std::to_string(i);
      if (hub::owner_of(name, unsigned(ios.size())) == w) return name;
    }
  }

  hub::PublishResult publish(unsigned w, const std::string& channel, std::string data = "1") {
    hub::PublishResult out;
    out.error = hub::Error::internal;
    on(w).publish(hub::PublishRequest{channel, std::move(data), nullptr}, [&](hub::PublishResult r) { out = r; });
    run();
    return out;
  }

  hub::SubscribeResult subscribe(unsigned w, hub::Client& c, const std::string& channel,
                                 std::optional<hub::Position> since = std::nullopt) {
    hub::SubscribeResult out;
    out.error = hub::Error::internal;
    on(w).subscribe(c, channel, std::move(since), [&](hub::SubscribeResult r) { out = std::move(r); });
    run();
    return out;
  }

  core::FakeClock clock;
  std::vector<std::unique_ptr<boost::asio::io_context>> ios;
  std::unique_ptr<hub::Hub> hub;
};

}  // namespace strata::test

// Creating the process-wide hub (hub.hpp): one WorkerHub per worker,
// channel owner = hash(name) % workers, cross-worker work batched per
// event-loop turn (mailbox.hpp).
// Thread: make_hub() and Hub::apply() on any thread (apply posts the new
// options to every worker); Hub::on(w) is used on worker w's thread only.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "hub/hub.hpp"

namespace strata::core {
class Clock;
}
namespace strata::config {
struct RedisConfig;
}
namespace strata::redis {
class Client;
}

namespace strata::hub {

struct HubOptions {
  const core::Clock* clock = nullptr;  // history TTL and the wheels; null = steady clock
  std::chrono::milliseconds wheel_tick{100};
  std::chrono::milliseconds sweep_interval{1000};  // freeing idle channels whose history expired
  // Multi-node (hub.broker.type: redis, hub/broker/): the `redis:` section.
  // Each worker makes its own redis::Client with it, on its own thread.
  // Needed when the broker type is redis (make_hub throws otherwise).
  std::shared_ptr<const config::RedisConfig> redis;
  // Tests: makes worker w's client instead of redis::make_client (a fake).
  std::function<std::unique_ptr<redis::Client>(unsigned worker, boost::asio::any_io_executor)> redis_client;
  // This process among the nodes (client ids, local epochs); 0 = random.
  std::uint32_t node = 0;
};

// `workers[i]` is worker i's executor (io::Worker::executor()); they must
// outlive the hub, and the hub must be destroyed after the workers stopped
// running (or on a thread that no longer races them).
std::unique_ptr<Hub> make_hub(std::vector<boost::asio::any_io_executor> workers,
                              std::shared_ptr<const config::HubConfig> cfg, HubOptions opt = {});

// Which worker owns `channel` among `workers`.
unsigned owner_of(std::string_view channel, unsigned workers);

}  // namespace strata::hub

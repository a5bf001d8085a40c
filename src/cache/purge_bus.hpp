// Purges across nodes (docs/cache.md "Purging"): with a top-level `redis:`,
// a non-empty cache.purge_channel and at least one route with `cache:`,
// every node subscribes to the channel; a purge made through one node's admin API is applied there and
// published (PUBLISH, SPUBLISH in cluster mode) as purge_json() with the
// node's id; every other node applies it to its process_store(). A node
// ignores its own messages (same id). Delivery is Redis pub/sub's: at most
// once, and a node disconnected from Redis misses the purges made
// meanwhile (documented; its objects still expire).
//
// The bus runs its own thread and io_context with one redis::Client (like
// security/global_limit): publish() only posts to it; received purges are
// applied on the bus thread (the Store is thread-safe).
// Metrics: strata_cache_purge_messages_total{event} with event sent,
// send_failed, received (applied), own (ignored), bad (malformed).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cache/purge.hpp"

namespace strata::config {
struct Config;
struct RedisConfig;
}  // namespace strata::config

namespace strata::cache {

class Store;

struct PublishResult {
  bool ok = false;
  std::int64_t receivers = 0;  // nodes subscribed when Redis got it (this one included)
  std::string error;           // when !ok
};

class PurgeBus {
 public:
  // Connects and subscribes to `channel` in the background. `store`: where
  // received purges go (default: process_store() at the time of each).
  PurgeBus(const config::RedisConfig& redis, std::string channel,
           std::function<std::shared_ptr<Store>()> store = {});
  ~PurgeBus();
  PurgeBus(const PurgeBus&) = delete;
  PurgeBus& operator=(const PurgeBus&) = delete;

  // Publishes `r` for the other nodes. `done` (optional) is called exactly
  // once, on the bus thread, with what Redis answered (an error when Redis
  // is unreachable: nothing is queued). Any thread.
  void publish(const PurgeRequest& r, std::function<void(PublishResult)> done = {});

  const std::string& channel() const { return channel_; }
  // The subscription is confirmed (and not interrupted since). Any thread.
  bool subscribed() const { return subscribed_.load(std::memory_order_relaxed); }
  // Closes the client and joins the thread (idempotent; the destructor calls it).
  void shutdown();

  // This process's id in bus messages (random, fixed for the process).
  static const std::string& node_id();

  // Handles one message as received (tests): applies it unless it is this
  // node's own or malformed. Returns true when applied.
  bool handle_message(std::string_view payload);

  struct Impl;

 private:
  std::string channel_;
  std::function<std::shared_ptr<Store>()> store_;
  std::atomic<bool> subscribed_{false};
  std::unique_ptr<Impl> impl_;
  friend struct Impl;
};

// The process's bus, or null (no `redis:` or no purge_channel). Any thread.
std::shared_ptr<PurgeBus> process_purge_bus();
// Server wiring, on start and on every reload: keeps the bus when the
// Redis settings and channel are unchanged, replaces it when they changed,
// removes it when the config has no `redis:`, an empty purge_channel or
// no route with `cache:` (a process without a cache runs no bus).
// Never throws (a client that cannot be created is logged; no bus).
void configure_purge_bus(const config::Config& cfg);
// Removes the process's bus (server stop).
void stop_purge_bus();

}  // namespace strata::cache

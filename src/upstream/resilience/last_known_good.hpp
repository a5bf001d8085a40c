// Last-known-good responses for graceful degradation (topic 21): the most
// recent complete 200 response to a GET, per key (authority + target),
// kept for `ttl` and served when every live tier failed. Bounded by entry
// count and total bytes (key + head + body); the least recently stored or
// served entry is evicted first. A response larger than max_bytes / 4 is
// not kept. Time from an injected clock; not thread-safe (one per route per
// worker). Until the cache subsystem replaces it.
#pragma once
#include <chrono>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace strata::upstream::resilience {

struct LkgConfig {
  std::chrono::milliseconds ttl{60'000};
  std::uint32_t max_entries = 1000;
  std::uint64_t max_bytes = 16ull << 20;
};

struct LkgResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class LastKnownGood {
 public:
  LastKnownGood(LkgConfig cfg, const core::Clock& clock) : cfg_(cfg), clock_(clock) {}

  // Largest response (head + body bytes) put() keeps.
  std::uint64_t max_item_bytes() const { return cfg_.max_bytes / 4; }
  // Stores (replacing) the response for `key`; false when it is too large.
  bool put(const std::string& key, LkgResponse r);
  // A fresh copy, or nullopt (expired entries are dropped on the way).
  std::optional<LkgResponse> get(const std::string& key);

  std::size_t size() const { return map_.size(); }
  std::uint64_t bytes() const { return bytes_; }
  void reconfigure(LkgConfig cfg);

 private:
  struct Entry {
    std::string key;
    LkgResponse resp;
    std::uint64_t bytes = 0;
    core::Clock::time_point expires{};
  };
  using List = std::list<Entry>;
  void erase(List::iterator it);
  void evict();

  LkgConfig cfg_;
  const core::Clock& clock_;
  List lru_;  // front = most recent
  std::unordered_map<std::string, List::iterator> map_;
  std::uint64_t bytes_ = 0;
};

}  // namespace strata::upstream::resilience

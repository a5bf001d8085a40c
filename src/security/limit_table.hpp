// The key table of one rate limit, shared by every worker of the process
// (so the limit holds for the process, not per worker): a fixed number of
// shards, each a hash map under its own mutex with a least-recently-used
// list. At most `max_keys` keys in all (per shard: max_keys / shards); the
// least recently used key of a full shard is evicted, counted in
// strata_limit_keys_evicted_total; strata_limit_keys is the live count.
// An evicted key simply starts again with a full burst.
//
// Thread: any; one lock per call, held for a hash lookup and `f`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace strata::obs {
class Counter;
class Gauge;
}  // namespace strata::obs

namespace strata::security {

// The state of one key. `tat` is the local GCRA state; the other fields
// belong to limits shared across nodes (security/global_limit.hpp).
struct LimitEntry {
  std::int64_t tat = 0;
  std::int64_t blocked_until = 0;   // global: Redis said "over" until then
  std::int64_t inflight_since = 0;  // global: when the report in flight was sent
  std::uint32_t pending = 0;        // global: allowed here, not yet reported to Redis
  std::uint32_t inflight = 0;       // global: reported, reply not back yet
};

class LimitTable {
 public:
  // `keys` and `evicted` may be null (tests).
  LimitTable(std::size_t max_keys, obs::Gauge* keys, obs::Counter* evicted);
  ~LimitTable();
  LimitTable(const LimitTable&) = delete;
  LimitTable& operator=(const LimitTable&) = delete;

  // Runs f(entry) on the key's entry, created (and the LRU tail evicted when
  // the shard is full) if absent; the key becomes the most recently used.
  template <class F>
  decltype(auto) touch(std::string_view key, F&& f) {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    return f(s.get(key, *this));
  }
  // Runs f(entry) when the key exists; false otherwise. Not an LRU touch.
  template <class F>
  bool find(std::string_view key, F&& f) {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return false;
    f(it->second.e);
    return true;
  }

  std::size_t size() const;
  std::size_t max_keys() const { return max_keys_; }
  std::uint64_t evicted() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Slot {
    LimitEntry e;
    Slot* prev = nullptr;  // towards the most recently used
    Slot* next = nullptr;
    const std::string* key = nullptr;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Slot, Hash, std::equal_to<>> map;
    Slot* head = nullptr;  // most recently used
    Slot* tail = nullptr;
    std::size_t cap = 1;
    LimitEntry& get(std::string_view key, LimitTable& t);
    void unlink(Slot* s);
    void push_front(Slot* s);
  };
  Shard& shard(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) & (shards_.size() - 1)];
  }
  void on_insert();
  void on_evict();

  std::size_t max_keys_;
  std::vector<Shard> shards_;
  obs::Gauge* keys_;
  obs::Counter* evicted_;
  std::unique_ptr<struct LimitTableCounts> counts_;
};

}  // namespace strata::security

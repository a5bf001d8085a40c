// Internal to the store: the admission and eviction policy of one shard
// (CacheStorage::policy). The shard's mutex guards every call. The policy
// orders entries; the store owns them and removes whatever the policy
// hands back in `out` (the policy has already unlinked those).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "cache/store_entry.hpp"

namespace strata::cache::detail {

// What a policy step removed: `evicted` were admitted once and pushed out
// for space; `rejected` were refused admission (W-TinyLFU's window
// candidates that lost to the main area's victims).
struct Removed {
  std::vector<Entry*> evicted;
  std::vector<Entry*> rejected;
};

class Policy {
 public:
  virtual ~Policy() = default;
  // The byte bound of the shard; call evict() afterwards to apply a shrink.
  virtual void set_capacity(std::uint64_t bytes) = 0;
  virtual std::uint64_t capacity() const = 0;
  // A lookup of a key (hit or miss), before on_hit.
  virtual void record_access(std::uint64_t hash) = 0;
  virtual void on_hit(Entry* e) = 0;
  // A new entry (its charge is at most capacity()); may remove it again.
  virtual void on_insert(Entry* e, Removed& out) = 0;
  // Takes `e` without admission (a policy switch on reload); call evict().
  virtual void adopt(Entry* e) = 0;
  // The store removes `e` (erase, purge, a replaced variant).
  virtual void on_remove(Entry* e) = 0;
  // `e`'s object was replaced; its charge becomes `charge`.
  virtual void on_recharge(Entry* e, std::uint64_t charge) = 0;
  // Brings the bytes held within capacity.
  virtual void evict(Removed& out) = 0;
  virtual std::uint64_t bytes() const = 0;
  // Every entry, least valuable first (policy switch on reload).
  virtual void for_each(const std::function<void(Entry*)>& fn) const = 0;
};

// "lru": one recency list; evicts the least recently used.
std::unique_ptr<Policy> make_lru_policy(std::uint64_t capacity);
// "tinylfu": W-TinyLFU (tinylfu_policy.cpp).
std::unique_ptr<Policy> make_tinylfu_policy(std::uint64_t capacity);
// By CacheStorage::policy name ("lru" or anything else: tinylfu).
std::unique_ptr<Policy> make_policy(std::string_view name, std::uint64_t capacity);

}  // namespace strata::cache::detail

// cache::Store (store.hpp): sharded memory tier + optional disk tier.
//
// Memory: `n` shards by key hash (a power of two, at most 16, chosen at
// create so that a shard holds at least 4 objects of the largest size; kept
// across reconfigure), each with its own mutex, key map (variants newest
// first), policy (policy.hpp) and tag index; a shard's byte bound is
// memory_bytes / n, and an object larger than that is refused like one over
// max_object_bytes.
//
// Disk (when configured): the tiers are exclusive as far as the store can
// keep them: what memory evicts or refuses is put() on disk; a memory miss
// reads the key's variants from disk and, when all of them fit in memory,
// moves them into memory (erasing them on disk). An object over
// max_object_bytes but within the disk's own limit goes to disk directly.
// Disk I/O never happens under a shard mutex. find()'s `match` runs under
// the key's shard mutex for objects in memory: it must not call the store.
#include "cache/store.hpp"
#include "cache/url_match.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "cache/disk_tier.hpp"
#include "cache/policy.hpp"
#include "cache/store_entry.hpp"
#include "cache/store_factory.hpp"
#include "cache/store_metrics.hpp"
#include "cache/tag_index.hpp"

namespace strata::cache {
namespace {

using detail::Entry;
using detail::Removed;

// Variants kept under one primary key; inserting one more drops the oldest.
constexpr std::size_t kMaxVariants = 32;
constexpr std::size_t kMaxShards = 16;

std::uint64_t hash_key(std::string_view key) {
  std::uint64_t h = std::hash<std::string_view>{}(key);
  // splitmix64 finalizer: std::hash may be weak in the low bits.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

bool same_variant(const Object& a, const Object& b) {
  return a.vary_star == b.vary_star && a.vary == b.vary;
}

std::size_t shard_count(const config::CacheStorage& cfg) {
  std::size_t n = 1;
  const std::uint64_t per = std::max<std::uint64_t>(cfg.max_object_bytes, 1) * 4;
  while (n < kMaxShards && cfg.memory_bytes / (n * 2) >= per) n *= 2;
  return n;
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Shard {
  mutable std::mutex mu;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Entry>>, StringHash, std::equal_to<>> keys;
  std::unique_ptr<detail::Policy> policy;
  std::string policy_name;
  detail::TagIndex tags;
};

class StoreImpl final : public Store {
 public:
  StoreImpl(const config::CacheStorage& cfg, const core::WallClock& clock)
      : StoreImpl(cfg, clock, Shards{}) {
    open_disk(cfg.disk);
  }
  StoreImpl(const config::CacheStorage& cfg, const core::WallClock& clock, std::unique_ptr<DiskTier> disk)
      : StoreImpl(cfg, clock, Shards{}) {
    disk_ = std::move(disk);
    disk_cfg_ = cfg.disk;
  }

 private:
  struct Shards {};  // the constructor both public ones delegate to
  StoreImpl(const config::CacheStorage& cfg, const core::WallClock& clock, Shards)
      : clock_(clock), shards_(shard_count(cfg)) {
    for (auto& s : shards_) s = std::make_unique<Shard>();
    apply_limits(cfg);
    for (auto& s : shards_) {
      s->policy = detail::make_policy(cfg.policy, shard_cap_.load());
      s->policy_name = cfg.policy;
    }
  }

 public:
  ~StoreImpl() override {
    if (publish_) metrics_.set_memory(0, 0);
  }

  void set_publish(bool on) {
    publish_ = on;
    if (on) publish();
  }

  ObjectPtr find(std::string_view key, const std::function<bool(const Object&)>& match) override {
    const std::uint64_t h = hash_key(key);
    Shard& s = shard(h);
    {
      std::lock_guard lk(s.mu);
      s.policy->record_access(h);
      if (auto it = s.keys.find(key); it != s.keys.end())
        for (auto& e : it->second)
          if (match(*e->obj)) {
            s.policy->on_hit(e.get());
            return e->obj;
          }
    }
    auto disk = disk_tier();
    if (!disk) return nullptr;
    auto from_disk = disk->get(key);
    ObjectPtr hit;
    for (const auto& o : from_disk)
      if (o && match(*o)) {
        hit = o;
        break;
      }
    if (!hit) return nullptr;
    promote(*disk, key, from_disk);
    return hit;
  }

  void record_access(std::string_view key) override {
    const std::uint64_t h = hash_key(key);
    Shard& s = shard(h);
    std::lock_guard lk(s.mu);
    s.policy->record_access(h);
  }

  std::vector<ObjectPtr> variants(std::string_view key) override {
    std::vector<ObjectPtr> out;
    {
      Shard& s = shard(hash_key(key));
      std::lock_guard lk(s.mu);
      if (auto it = s.keys.find(key); it != s.keys.end())
        for (auto& e : it->second) out.push_back(e->obj);
    }
    if (auto disk = disk_tier()) {
      const std::size_t mem = out.size();
      for (auto& o : disk->get(key)) {
        bool dup = false;
        for (std::size_t i = 0; i < mem && !dup; ++i) dup = same_variant(*out[i], *o);
        if (!dup) out.push_back(std::move(o));
      }
    }
    return out;
  }

  std::vector<ObjectPtr> by_url(std::string_view url) override {  // cache-edge: admin lookup
    std::vector<ObjectPtr> out;
    for (auto& sp : shards_) {
      std::lock_guard lk(sp->mu);
      for (auto& [k, vars] : sp->keys)
        for (auto& e : vars)
          if (e->obj->url == url) out.push_back(e->obj);
    }
    if (auto disk = disk_tier()) {
      const std::size_t mem = out.size();
      for (auto& o : disk->by_url(url)) {
        bool dup = false;
        for (std::size_t i = 0; i < mem && !dup; ++i) dup = out[i]->key == o->key && same_variant(*out[i], *o);
        if (!dup) out.push_back(std::move(o));
      }
    }
    return out;
  }

  bool insert(ObjectPtr obj) override {
    if (!obj || !obj->body) return false;
    if (obj->charge() > max_object_.load()) {
      // Too large for memory: the disk tier takes it if within its own limit.
      auto disk = disk_tier();
      if (disk && disk->put(*obj)) {
        drop_variant(*obj);  // an older copy in memory would shadow it
        publish();
        return true;
      }
      ++rejected_;
      if (publish_) metrics_.rejected.inc();
      return false;
    }
    std::vector<ObjectPtr> spill;
    bool ok = insert_memory(std::move(obj), spill);
    write_disk(spill);
    publish();
    return ok;
  }

  bool replace(const ObjectPtr& old, ObjectPtr updated) override {
    if (!old || !updated || !updated->body || old->key != updated->key) return false;
    const std::uint64_t h = hash_key(old->key);
    Shard& s = shard(h);
    std::vector<ObjectPtr> spill;
    {
      std::lock_guard lk(s.mu);
      auto it = s.keys.find(std::string_view(old->key));
      if (it == s.keys.end()) return false;
      Entry* e = nullptr;
      for (auto& p : it->second)
        if (p->obj == old) e = p.get();
      if (!e) return false;
      swap_object(s, e, std::move(updated));
      Removed r;
      s.policy->evict(r);
      drop_removed(s, r, spill);
    }
    write_disk(spill);
    publish();
    return true;
  }

  std::size_t erase(std::string_view key) override {
    std::size_t n = 0;
    {
      Shard& s = shard(hash_key(key));
      std::lock_guard lk(s.mu);
      if (auto it = s.keys.find(key); it != s.keys.end()) {
        std::vector<Entry*> all;
        for (auto& e : it->second) all.push_back(e.get());
        for (Entry* e : all) {
          s.policy->on_remove(e);
          drop(s, e);
          ++n;
        }
      }
    }
    if (auto disk = disk_tier()) n += disk->erase(key);
    publish();
    return n;
  }

  std::size_t purge_tag(std::string_view tag, PurgeMode mode) override {
    std::size_t n = 0;
    for (auto& sp : shards_) {
      std::lock_guard lk(sp->mu);
      for (Entry* e : sp->tags.find(tag)) n += purge_entry(*sp, e, mode);
    }
    if (auto disk = disk_tier()) n += disk->purge_tag(tag, mode == PurgeMode::soft);
    return purged(n);
  }

  std::size_t purge_url(std::string_view url, PurgeMode mode) override {
    std::size_t n = purge_memory_if([&](const Object& o) { return o.url == url; }, mode);
    if (auto disk = disk_tier()) n += disk->purge_url(url, mode == PurgeMode::soft);
    return purged(n);
  }

  std::size_t purge_prefix(std::string_view prefix, PurgeMode mode) override {
    std::size_t n = purge_memory_if([&](const Object& o) { return url_matches_prefix(o.url, prefix); }, mode);
    if (auto disk = disk_tier()) n += disk->purge_prefix(prefix, mode == PurgeMode::soft);
    return purged(n);
  }

  std::size_t purge_all(PurgeMode mode) override {
    std::size_t n = purge_memory_if([](const Object&) { return true; }, mode);
    if (auto disk = disk_tier()) n += disk->purge_all(mode == PurgeMode::soft);
    return purged(n);
  }

  std::vector<std::pair<std::string, std::uint64_t>> tags(std::size_t limit) override {
    std::map<std::string, std::uint64_t> merged;
    for (auto& sp : shards_) {
      std::lock_guard lk(sp->mu);
      sp->tags.for_each_count([&](const std::string& t, std::size_t c) { merged[t] += c; });
    }
    std::vector<std::pair<std::string, std::uint64_t>> out(merged.begin(), merged.end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  StoreStats stats() const override {
    StoreStats st;
    st.objects = objects_.load();
    st.bytes = bytes_.load();
    st.evictions = evictions_.load();
    st.rejected = rejected_.load();
    st.purged = purged_.load();
    if (auto disk = disk_tier()) {
      st.disk_objects = disk->objects();
      st.disk_bytes = disk->bytes();
    }
    return st;
  }

  void reconfigure(const config::CacheStorage& cfg) override {
    std::lock_guard cl(cfg_mu_);
    apply_limits(cfg);
    std::vector<ObjectPtr> spill;
    for (auto& sp : shards_) {
      std::lock_guard lk(sp->mu);
      Shard& s = *sp;
      if (s.policy_name != cfg.policy) {
        auto next = detail::make_policy(cfg.policy, shard_cap_.load());
        std::vector<Entry*> order;
        s.policy->for_each([&](Entry* e) { order.push_back(e); });
        for (Entry* e : order) next->adopt(e);
        s.policy = std::move(next);
        s.policy_name = cfg.policy;
      }
      s.policy->set_capacity(shard_cap_.load());
      Removed r;
      s.policy->evict(r);
      drop_removed(s, r, spill);
    }
    if (cfg.disk != disk_cfg_) open_disk(cfg.disk);
    write_disk(spill);
    publish();
  }

 private:
  Shard& shard(std::uint64_t h) { return *shards_[(h >> 48) & (shards_.size() - 1)]; }

  void apply_limits(const config::CacheStorage& cfg) {
    shard_cap_ = cfg.memory_bytes / shards_.size();
    max_object_ = std::min<std::uint64_t>(cfg.max_object_bytes, shard_cap_.load());
  }

  void open_disk(const std::optional<config::CacheDisk>& d) {
    std::shared_ptr<DiskTier> tier;
    if (d) {
      try {
        tier = DiskTier::open(*d);
        spdlog::info("cache: disk tier at {} ({} objects)", d->path, tier->objects());
      } catch (const std::exception& e) {
        spdlog::error("cache: disk tier refused, memory only: {}", e.what());
      }
    }
    std::lock_guard lk(disk_mu_);
    disk_ = std::move(tier);
    disk_cfg_ = d;
  }

  std::shared_ptr<DiskTier> disk_tier() const {
    std::lock_guard lk(disk_mu_);
    return disk_;
  }

  // Under no lock. `spill` collects what goes to disk.
  bool insert_memory(ObjectPtr obj, std::vector<ObjectPtr>& spill) {
    const std::uint64_t charge = obj->charge();
    if (charge > max_object_.load()) {  // limits shrank meanwhile
      ++rejected_;
      if (publish_) metrics_.rejected.inc();
      return false;
    }
    const std::uint64_t h = hash_key(obj->key);
    Shard& s = shard(h);
    std::lock_guard lk(s.mu);
    auto& vars = s.keys[obj->key];
    for (auto& p : vars)
      if (same_variant(*p->obj, *obj)) {
        Entry* old = p.get();
        s.policy->on_remove(old);
        drop(s, old, /*erase_key=*/false);
        break;
      }
    auto owned = std::make_unique<Entry>();
    Entry* e = owned.get();
    e->obj = std::move(obj);
    e->charge = charge;
    e->hash = h;
    vars.insert(vars.begin(), std::move(owned));
    s.tags.add(e);
    objects_ += 1;
    bytes_ += charge;
    Removed r;
    if (vars.size() > kMaxVariants) {
      Entry* oldest = vars.back().get();
      s.policy->on_remove(oldest);
      r.evicted.push_back(oldest);
    }
    s.policy->on_insert(e, r);
    const bool kept = std::find(r.rejected.begin(), r.rejected.end(), e) == r.rejected.end() &&
                      std::find(r.evicted.begin(), r.evicted.end(), e) == r.evicted.end();
    drop_removed(s, r, spill);
    return kept;
  }

  // Removes the memory copy with obj's key and vary values, if any.
  void drop_variant(const Object& obj) {
    Shard& s = shard(hash_key(obj.key));
    std::lock_guard lk(s.mu);
    auto it = s.keys.find(std::string_view(obj.key));
    if (it == s.keys.end()) return;
    for (auto& p : it->second)
      if (same_variant(*p->obj, obj)) {
        Entry* e = p.get();
        s.policy->on_remove(e);
        drop(s, e);
        return;
      }
  }

  // Moves the key's disk variants into memory when all fit.
  void promote(DiskTier& disk, std::string_view key, const std::vector<ObjectPtr>& objs) {
    for (const auto& o : objs)
      if (!o || !o->body || o->charge() > max_object_.load() || o->key != key) return;
    disk.erase(key);
    std::vector<ObjectPtr> spill;
    for (const auto& o : objs) {
      {
        Shard& s = shard(hash_key(key));
        std::lock_guard lk(s.mu);
        bool newer_in_memory = false;
        if (auto it = s.keys.find(key); it != s.keys.end())
          for (auto& p : it->second) newer_in_memory = newer_in_memory || same_variant(*p->obj, *o);
        if (newer_in_memory) continue;
      }
      insert_memory(o, spill);
    }
    write_disk(spill);
    publish();
  }

  void write_disk(std::vector<ObjectPtr>& spill) {
    if (spill.empty()) return;
    auto disk = disk_tier();
    if (!disk) return;
    for (const auto& o : spill) disk->put(*o);
  }

  // Removes `e` from the maps (the policy has unlinked it already).
  void drop(Shard& s, Entry* e, bool erase_key = true) {
    s.tags.remove(e);
    objects_ -= 1;
    bytes_ -= e->charge;
    auto it = s.keys.find(std::string_view(e->obj->key));
    if (it == s.keys.end()) return;
    auto& vars = it->second;
    vars.erase(std::remove_if(vars.begin(), vars.end(), [e](const auto& p) { return p.get() == e; }),
               vars.end());
    if (vars.empty() && erase_key) s.keys.erase(it);
  }

  void drop_removed(Shard& s, Removed& r, std::vector<ObjectPtr>& spill) {
    const bool disk = disk_tier() != nullptr;
    for (Entry* e : r.evicted) {
      if (disk) spill.push_back(e->obj);
      drop(s, e);
    }
    for (Entry* e : r.rejected) {
      if (disk) spill.push_back(e->obj);
      drop(s, e);
    }
    evictions_ += r.evicted.size();
    rejected_ += r.rejected.size();
    if (publish_) {
      metrics_.evictions.inc(r.evicted.size());
      metrics_.rejected.inc(r.rejected.size());
    }
  }

  void swap_object(Shard& s, Entry* e, ObjectPtr next) {
    s.tags.remove(e);
    const std::uint64_t charge = next->charge();
    bytes_ += charge;
    bytes_ -= e->charge;
    s.policy->on_recharge(e, charge);
    e->obj = std::move(next);
    s.tags.add(e);
  }

  // Under the shard's lock. Returns 1.
  std::size_t purge_entry(Shard& s, Entry* e, PurgeMode mode) {
    if (mode == PurgeMode::hard) {
      s.policy->on_remove(e);
      drop(s, e);
    } else if (!e->obj->invalidated) {
      auto copy = std::make_shared<Object>(*e->obj);
      copy->invalidated = true;
      swap_object(s, e, std::move(copy));
    }
    return 1;
  }

  template <class Pred>
  std::size_t purge_memory_if(Pred pred, PurgeMode mode) {
    std::size_t n = 0;
    for (auto& sp : shards_) {
      std::lock_guard lk(sp->mu);
      std::vector<Entry*> hit;
      for (auto& [k, vars] : sp->keys)
        for (auto& e : vars)
          if (pred(*e->obj)) hit.push_back(e.get());
      for (Entry* e : hit) n += purge_entry(*sp, e, mode);
    }
    return n;
  }

  std::size_t purged(std::size_t n) {
    purged_ += n;
    publish();
    return n;
  }

  void publish() {
    if (!publish_) return;
    metrics_.set_memory(objects_.load(), bytes_.load());
    if (auto disk = disk_tier()) metrics_.set_disk(disk->objects(), disk->bytes());
    else metrics_.set_disk(0, 0);
  }

  // Unused so far: purge times and the disk index may want it.
  [[maybe_unused]] const core::WallClock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::uint64_t> shard_cap_{0};
  std::atomic<std::uint64_t> max_object_{0};
  std::mutex cfg_mu_;  // reconfigure
  mutable std::mutex disk_mu_;
  std::shared_ptr<DiskTier> disk_;
  std::optional<config::CacheDisk> disk_cfg_;
  std::atomic<std::uint64_t> objects_{0}, bytes_{0}, evictions_{0}, rejected_{0}, purged_{0};
  std::atomic<bool> publish_{false};
  detail::StoreMetrics& metrics_ = detail::StoreMetrics::get();
};

}  // namespace

std::shared_ptr<Store> Store::create(const config::CacheStorage& cfg, const core::WallClock& clock) {
  return std::make_shared<StoreImpl>(cfg, clock);
}

std::shared_ptr<Store> create_store(const config::CacheStorage& cfg, const core::WallClock& clock,
                                    std::unique_ptr<DiskTier> disk) {
  return std::make_shared<StoreImpl>(cfg, clock, std::move(disk));
}

namespace detail {
void set_publishing(Store* s, bool on) {
  if (auto* impl = dynamic_cast<StoreImpl*>(s)) impl->set_publish(on);
}
}  // namespace detail

}  // namespace strata::cache

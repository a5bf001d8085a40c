#include "security/limit_table.hpp"

#include <atomic>

#include "obs/metrics.hpp"

namespace strata::security {

struct LimitTableCounts {
  std::atomic<std::size_t> size{0};
  std::atomic<std::uint64_t> evicted{0};
};

namespace {
// Small tables use one shard so that max_keys is exact; large ones spread
// the lock over 16 (a power of two: the shard is a mask of the hash).
std::size_t shard_count(std::size_t max_keys) { return max_keys >= 4096 ? 16 : 1; }
}  // namespace

LimitTable::LimitTable(std::size_t max_keys, obs::Gauge* keys, obs::Counter* evicted)
    : max_keys_(max_keys ? max_keys : 1),
      shards_(shard_count(max_keys_)),
      keys_(keys),
      evicted_(evicted),
      counts_(std::make_unique<LimitTableCounts>()) {
  const std::size_t n = shards_.size();
  for (auto& s : shards_) s.cap = (max_keys_ + n - 1) / n;
}

LimitTable::~LimitTable() {
  if (keys_) keys_->add(-std::int64_t(counts_->size.load()));
}

std::size_t LimitTable::size() const { return counts_->size.load(std::memory_order_relaxed); }
std::uint64_t LimitTable::evicted() const { return counts_->evicted.load(std::memory_order_relaxed); }

void LimitTable::on_insert() {
  counts_->size.fetch_add(1, std::memory_order_relaxed);
  if (keys_) keys_->add(1);
}

void LimitTable::on_evict() {
  counts_->size.fetch_sub(1, std::memory_order_relaxed);
  counts_->evicted.fetch_add(1, std::memory_order_relaxed);
  if (keys_) keys_->add(-1);
  if (evicted_) evicted_->inc();
}

void LimitTable::Shard::unlink(Slot* s) {
  (s->prev ? s->prev->next : head) = s->next;
  (s->next ? s->next->prev : tail) = s->prev;
  s->prev = s->next = nullptr;
}

void LimitTable::Shard::push_front(Slot* s) {
  s->prev = nullptr;
  s->next = head;
  if (head) head->prev = s;
  head = s;
  if (!tail) tail = s;
}

LimitEntry& LimitTable::Shard::get(std::string_view key, LimitTable& t) {
  if (auto it = map.find(key); it != map.end()) {
    Slot* s = &it->second;
    if (s != head) {
      unlink(s);
      push_front(s);
    }
    return s->e;
  }
  if (map.size() >= cap && tail) {
    Slot* old = tail;
    unlink(old);
    map.erase(map.find(*old->key));
    t.on_evict();
  }
  auto [it, ok] = map.emplace(std::string(key), Slot{});
  (void)ok;
  Slot* s = &it->second;
  s->key = &it->first;
  push_front(s);
  t.on_insert();
  return s->e;
}

}  // namespace strata::security

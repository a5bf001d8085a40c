#include "upstream/resilience/last_known_good.hpp"

namespace strata::upstream::resilience {

namespace {
std::uint64_t size_of(const std::string& key, const LkgResponse& r) {
  std::uint64_t n = key.size() + r.body.size() + 16;
  for (const auto& [k, v] : r.headers) n += k.size() + v.size() + 4;
  return n;
}
}  // namespace

void LastKnownGood::erase(List::iterator it) {
  bytes_ -= it->bytes;
  map_.erase(it->key);
  lru_.erase(it);
}

void LastKnownGood::evict() {
  while (!lru_.empty() && (map_.size() > cfg_.max_entries || bytes_ > cfg_.max_bytes))
    erase(std::prev(lru_.end()));
}

bool LastKnownGood::put(const std::string& key, LkgResponse r) {
  const auto n = size_of(key, r);
  if (n > max_item_bytes()) return false;
  if (auto it = map_.find(key); it != map_.end()) erase(it->second);
  lru_.push_front(Entry{key, std::move(r), n, clock_.now() + cfg_.ttl});
  map_.emplace(key, lru_.begin());
  bytes_ += n;
  evict();
  return true;
}

std::optional<LkgResponse> LastKnownGood::get(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  if (clock_.now() >= it->second->expires) {
    erase(it->second);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return lru_.front().resp;
}

void LastKnownGood::reconfigure(LkgConfig cfg) {
  cfg_ = cfg;
  evict();
}

}  // namespace strata::upstream::resilience

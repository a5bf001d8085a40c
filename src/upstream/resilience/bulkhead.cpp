#include "upstream/resilience/bulkhead.hpp"

namespace strata::upstream::resilience {

bool Bulkhead::try_acquire() {
  if (active_ >= cfg_.max_concurrent || !queue_.empty()) return false;
  ++active_;
  return true;
}

Bulkhead::WaiterId Bulkhead::enqueue(Waiter w) {
  if (queue_.size() >= cfg_.max_pending) return 0;
  auto id = next_id_++;
  queue_.emplace_back(id, std::move(w));
  return id;
}

bool Bulkhead::cancel(WaiterId id) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->first != id) continue;
    auto w = std::move(it->second);
    queue_.erase(it);
    w(false);
    return true;
  }
  return false;
}

void Bulkhead::release() {
  if (active_ > 0) --active_;
  while (!queue_.empty() && active_ < cfg_.max_concurrent) {
    auto w = std::move(queue_.front().second);
    queue_.pop_front();
    ++active_;
    w(true);
  }
}

}  // namespace strata::upstream::resilience

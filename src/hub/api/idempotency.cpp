#include "hub/api/idempotency.hpp"

#include <boost/asio/post.hpp>

namespace strata::hub::api {

IdempotencyStore& IdempotencyStore::global() {
  static IdempotencyStore store;
  return store;
}

void IdempotencyStore::expire(core::Clock::time_point now, std::chrono::seconds window) {
  while (!order_.empty() && order_.front().first + window <= now) {
    auto it = map_.find(order_.front().second);
    // Only the entry this record was made for (not a newer run of the key).
    if (it != map_.end() && it->second.done && it->second.at == order_.front().first) {
      map_.erase(it);
      --done_;
    }
    order_.pop_front();
  }
}

void IdempotencyStore::evict(std::size_t max_keys) {
  while (done_ > max_keys && !order_.empty()) {
    auto it = map_.find(order_.front().second);
    if (it != map_.end() && it->second.done && it->second.at == order_.front().first) {
      map_.erase(it);
      --done_;
    }
    order_.pop_front();
  }
}

IdempotencyStore::Begin IdempotencyStore::begin(const std::string& key, std::chrono::seconds window,
                                                std::size_t max_keys, Reply& cached, Waiter&& w) {
  std::lock_guard lk(mu_);
  expire(clock_.now(), window);
  auto [it, inserted] = map_.try_emplace(key);
  if (inserted) return Begin::run;
  if (it->second.done) {
    cached = it->second.reply;
    return Begin::cached;
  }
  it->second.waiters.push_back(std::move(w));
  return Begin::wait;
}

void IdempotencyStore::complete(const std::string& key, const Reply& reply, bool keep,
                                std::size_t max_keys) {
  std::vector<Waiter> waiters;
  {
    std::lock_guard lk(mu_);
    auto it = map_.find(key);
    if (it == map_.end() || it->second.done) return;
    waiters = std::move(it->second.waiters);
    if (keep && max_keys > 0) {
      auto now = clock_.now();
      it->second.done = true;
      it->second.reply = reply;
      it->second.at = now;
      it->second.waiters.clear();
      order_.emplace_back(now, key);
      ++done_;
      evict(max_keys);
    } else {
      map_.erase(it);
    }
  }
  for (auto& w : waiters)
    boost::asio::post(w.executor, [resume = std::move(w.resume), reply]() mutable { resume(std::move(reply)); });
}

std::size_t IdempotencyStore::size() const {
  std::lock_guard lk(mu_);
  return map_.size();
}

}  // namespace strata::hub::api

#include "hub/history.hpp"

namespace strata::hub {

std::string epoch_from(std::uint64_t bits) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string e(8, 'a');
  for (auto& ch : e) {
    ch = alphabet[bits % 62];
    bits /= 62;
  }
  return e;
}

void History::configure(std::uint32_t size, std::chrono::milliseconds ttl, bool latest_only) {
  capacity_ = latest_only ? 1 : size;
  ttl_ = ttl;
}

void History::pop_front() {
  at(0) = Entry{};
  start_ = (start_ + 1) % ring_.size();
  if (--count_ == 0) start_ = 0;
}

void History::trim() {
  while (count_ > capacity_) pop_front();
  if (count_ == 0 && ring_.size() > capacity_) std::vector<Entry>().swap(ring_);
}

void History::append(PushPtr p, time_point now) {
  offset_ = p->offset;
  if (capacity_ == 0) {
    while (count_) pop_front();
    trim();
    return;
  }
  trim();
  if (count_ == capacity_) pop_front();
  if (count_ == ring_.size()) {
    // Grow (doubling, up to the capacity), unrolling the ring in order.
    std::size_t cap = std::min<std::size_t>(capacity_, std::max<std::size_t>(4, ring_.size() * 2));
    std::vector<Entry> bigger;
    bigger.reserve(cap);
    for (std::size_t i = 0; i < count_; ++i) bigger.push_back(std::move(at(i)));
    bigger.resize(cap);
    ring_ = std::move(bigger);
    start_ = 0;
  }
  ring_[(start_ + count_) % ring_.size()] = Entry{std::move(p), now};
  ++count_;
}

void History::prune(time_point now) {
  trim();
  if (ttl_.count() <= 0) return;
  while (count_ && now - at(0).at >= ttl_) pop_front();
}

void History::restart(std::string epoch, std::uint64_t offset) {
  while (count_) pop_front();
  trim();
  epoch_ = std::move(epoch);
  offset_ = offset;
}

bool History::recover(const Position& since, time_point now, std::vector<PushPtr>& out) {
  prune(now);
  if (since.epoch != epoch_ || since.offset > offset_) return false;
  if (since.offset == offset_) return true;
  if (count_ == 0 || at(0).push->offset > since.offset + 1) return false;
  std::size_t skip = std::size_t(since.offset + 1 - at(0).push->offset);
  out.reserve(out.size() + count_ - skip);
  for (std::size_t i = skip; i < count_; ++i) out.push_back(at(i).push);
  return true;
}

HistoryResult History::read(const std::optional<Position>& since, std::uint32_t limit, time_point now) {
  HistoryResult r;
  prune(now);
  r.position = position();
  if (since) {
    std::vector<PushPtr> all;
    r.recovered = recover(*since, now, all);
    if (limit && all.size() > limit) all.resize(limit);
    r.publications = std::move(all);
    return r;
  }
  std::size_t from = (limit && count_ > limit) ? count_ - limit : 0;
  r.publications.reserve(count_ - from);
  for (std::size_t i = from; i < count_; ++i) r.publications.push_back(at(i).push);
  return r;
}

}  // namespace strata::hub

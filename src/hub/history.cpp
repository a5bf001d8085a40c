#include "hub/history.hpp"

namespace strata::hub {

void History::configure(std::uint32_t size, std::chrono::milliseconds ttl, bool latest_only) {
  capacity_ = latest_only ? 1 : size;
  ttl_ = ttl;
}

void History::trim() {
  while (log_.size() > capacity_) log_.pop_front();
}

void History::append(PushPtr p, time_point now) {
  offset_ = p->offset;
  if (capacity_ == 0) {
    log_.clear();
    return;
  }
  log_.push_back(Entry{std::move(p), now});
  trim();
}

void History::prune(time_point now) {
  trim();
  if (ttl_.count() <= 0) return;
  while (!log_.empty() && now - log_.front().at >= ttl_) log_.pop_front();
}

bool History::recover(const Position& since, time_point now, std::vector<PushPtr>& out) {
  prune(now);
  if (since.epoch != epoch_ || since.offset > offset_) return false;
  if (since.offset == offset_) return true;
  if (log_.empty() || log_.front().push->offset > since.offset + 1) return false;
  std::size_t skip = std::size_t(since.offset + 1 - log_.front().push->offset);
  out.reserve(out.size() + log_.size() - skip);
  for (std::size_t i = skip; i < log_.size(); ++i) out.push_back(log_[i].push);
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
  std::size_t n = log_.size();
  std::size_t from = (limit && n > limit) ? n - limit : 0;
  r.publications.reserve(n - from);
  for (std::size_t i = from; i < n; ++i) r.publications.push_back(log_[i].push);
  return r;
}

}  // namespace strata::hub

#include "hub/out_queue.hpp"

#include <sys/uio.h>

#include "hub/hub_metrics.hpp"

namespace strata::hub {

OutQueue::Result OutQueue::push(const PushPtr& p, std::string_view bytes, bool skip_to_latest_allowed) {
  Result r = Result::ok;
  if (bytes_ + bytes.size() > limit_) {
    if (!skip_to_latest_allowed) {
      HubMetrics::get().slow_consumers.inc();
      return Result::disconnect;
    }
    // Keep owned bytes and a started item; drop every other push.
    std::size_t out = head_, dropped = 0;
    for (std::size_t i = head_; i < items_.size(); ++i) {
      Item& it = items_[i];
      bool keep = !it.push || (i == head_ && offset_ > 0);
      if (!keep) {
        bytes_ -= it.bytes().size();
        ++dropped;
        continue;
      }
      if (out != i) items_[out] = std::move(it);
      ++out;
    }
    items_.resize(out);
    if (dropped) HubMetrics::get().drops.inc(dropped);
    r = Result::skipped_to_latest;
  }
  compact();
  items_.push_back(Item{p, {}, bytes});
  bytes_ += bytes.size();
  return r;
}

void OutQueue::push_owned(std::string bytes) {
  compact();
  bytes_ += bytes.size();
  items_.push_back(Item{nullptr, std::move(bytes), {}});
}

std::string_view OutQueue::front() const {
  if (empty()) return {};
  return items_[head_].bytes().substr(offset_);
}

std::size_t OutQueue::gather(struct iovec* iov, std::size_t max) const {
  std::size_t n = 0;
  for (std::size_t i = head_; i < items_.size() && n < max; ++i) {
    std::string_view v = items_[i].bytes();
    if (i == head_) v.remove_prefix(offset_);
    if (v.empty()) continue;
    iov[n].iov_base = const_cast<char*>(v.data());
    iov[n].iov_len = v.size();
    ++n;
  }
  return n;
}

void OutQueue::consume(std::size_t n) {
  bytes_ -= n;
  while (n > 0 && head_ < items_.size()) {
    std::size_t left = items_[head_].bytes().size() - offset_;
    if (n < left) {
      offset_ += n;
      return;
    }
    n -= left;
    items_[head_] = Item{};
    ++head_;
    offset_ = 0;
  }
  // Skip empty items so empty() is exact.
  while (head_ < items_.size() && items_[head_].bytes().size() == offset_) {
    items_[head_] = Item{};
    ++head_;
    offset_ = 0;
  }
  if (head_ == items_.size()) clear();
}

void OutQueue::clear() {
  if (items_.capacity() > 16) {
    std::vector<Item>().swap(items_);
  } else {
    items_.clear();
  }
  head_ = 0;
  offset_ = 0;
  bytes_ = 0;
}

void OutQueue::compact() {
  // Reuse the front of the vector once more than half of it is done.
  if (head_ > 0 && head_ * 2 >= items_.size()) {
    items_.erase(items_.begin(), items_.begin() + std::ptrdiff_t(head_));
    head_ = 0;
  }
}

}  // namespace strata::hub

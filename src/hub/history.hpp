// A channel's stream on its owner worker: the offset counter, the epoch and
// the bounded log of recent publications (history_size entries, each kept
// at most history_ttl; latest_only keeps one). Offsets are contiguous for
// the life of the object; the owner replaces the object (new epoch, offset
// 0) when continuity is lost (channel state freed: no subscribers and no
// history left, e.g. after the TTL expired everything).
// Recovery is all or nothing: every publication after `since` or none.
// Thread: the owner worker's.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hub/hub.hpp"

namespace strata::hub {

// A new epoch: 8 characters of [a-zA-Z0-9] from 64 random bits.
std::string epoch_from(std::uint64_t bits);

class History {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit History(std::string epoch) : epoch_(std::move(epoch)) {}

  // Bounds from the namespace (applied from the next append/prune).
  void configure(std::uint32_t size, std::chrono::milliseconds ttl, bool latest_only);
  bool enabled() const { return capacity_ > 0; }

  Position position() const { return Position{offset_, epoch_}; }
  std::uint64_t offset() const { return offset_; }
  const std::string& epoch() const { return epoch_; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // The offset the next publication gets.
  std::uint64_t next_offset() const { return offset_ + 1; }
  // Records publication `p` (p->offset == next_offset()); kept when history
  // is enabled.
  void append(PushPtr p, time_point now);
  // Drops entries older than the TTL.
  void prune(time_point now);
  // Starts over at `offset` in `epoch` with no entry (broker mode: the
  // position is the store's after a resync).
  void restart(std::string epoch, std::uint64_t offset);

  // True when every publication after `since` is still here (copied to
  // `out` in order; nothing is copied otherwise).
  bool recover(const Position& since, time_point now, std::vector<PushPtr>& out);

  // The `history` command: without `since` the newest `limit` entries (0 =
  // all), with `since` the first `limit` after it (recovered=false and none
  // when `since` cannot be filled).
  HistoryResult read(const std::optional<Position>& since, std::uint32_t limit, time_point now);

 private:
  struct Entry {
    PushPtr push;
    time_point at;
  };
  void trim();
  // The ring: entry i (0 = oldest) of count_ lives at ring_[(start_ + i) % ring_.size()].
  Entry& at(std::size_t i) { return ring_[(start_ + i) % ring_.size()]; }
  void pop_front();

  std::string epoch_;
  std::uint64_t offset_ = 0;
  std::vector<Entry> ring_;        // allocated on the first kept publication
  std::size_t start_ = 0;
  std::size_t count_ = 0;
  std::uint32_t capacity_ = 0;
  std::chrono::milliseconds ttl_{0};   // 0 = no TTL
};

}  // namespace strata::hub

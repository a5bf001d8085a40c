// A hub client's bounded output queue, shared by the transports: what is
// waiting to be written to one WebSocket or SSE client, as references to the
// shared Push bytes (no copy per subscriber) plus owned bytes for replies
// and control frames. Bounded by hub.out_queue bytes: a push that does not
// fit applies the namespace's slow-consumer policy (config::SlowConsumer):
//   disconnect      -> push() returns Result::disconnect and queues nothing
//                      (the transport closes with close_code::slow_consumer);
//   skip_to_latest  -> every queued push not yet started is dropped, the new
//                      one is queued: Result::skipped_to_latest.
// Owned bytes (push_owned) are never refused and never dropped; they count
// toward bytes() and so toward the limit for later pushes. An item whose
// first bytes were written is never dropped (framing stays intact).
// Metrics: drops and slow consumers are counted here
// (strata_hub_drops_total, strata_hub_slow_consumers_total).
// Memory: empty queue = 32 bytes, no allocation; capacity is released when
// the queue drains after a burst.
// Thread: one queue per client, on the client's worker.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub.hpp"

struct iovec;

namespace strata::hub {

class OutQueue {
 public:
  enum class Result : std::uint8_t { ok, disconnect, skipped_to_latest };

  explicit OutQueue(std::uint64_t limit) : limit_(limit) {}
  void set_limit(std::uint64_t limit) { limit_ = limit; }
  std::uint64_t limit() const { return limit_; }

  // Queues `bytes`, a view into *p (p->ws_frame, p->sse_event or
  // p->ws_frame_deflated()), which the queue keeps alive.
  Result push(const PushPtr& p, std::string_view bytes, bool skip_to_latest_allowed);
  // Queues bytes the queue owns (replies, pings, close frames).
  void push_owned(std::string bytes);

  bool empty() const { return head_ == items_.size(); }
  std::size_t items() const { return items_.size() - head_; }
  std::uint64_t bytes() const { return bytes_; }       // queued and not yet written

  // The remaining bytes of the front item (empty when the queue is empty).
  std::string_view front() const;
  // Fills up to `max` iovecs with what is queued, front first (from its
  // written offset). Returns how many were filled.
  std::size_t gather(struct iovec* iov, std::size_t max) const;
  // `n` bytes were written (may span several items): finished items go.
  void consume(std::size_t n);
  void clear();

 private:
  struct Item {
    PushPtr push;                  // null for owned bytes
    std::string owned;
    std::string_view view;         // the bytes when push is set (into *push)
    std::string_view bytes() const { return push ? view : std::string_view(owned); }
  };
  void compact();

  std::vector<Item> items_;
  std::size_t head_ = 0;           // first unfinished item
  std::size_t offset_ = 0;         // bytes of items_[head_] already written
  std::uint64_t bytes_ = 0;
  std::uint64_t limit_;
};

}  // namespace strata::hub

#include "io/send_batch.hpp"

#include <liburing.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/loop_clock.hpp"
#include "obs/metrics.hpp"

namespace strata::io {

namespace {

std::atomic<std::size_t> g_capacity{64 * 1024};

obs::Counter& flushes_total() {
  static auto& c = obs::counter("strata_send_batch_flushes_total",
                                "batches of small writes put on the wire (one io_uring_enter, or one "
                                "send(2) for a batch of one)");
  return c;
}
obs::Counter& sends_total() {
  static auto& c = obs::counter("strata_send_batch_sends_total", "writes that went out in a batch");
  return c;
}
obs::Counter& unavailable_total() {
  static auto& c = obs::counter("strata_send_batch_unavailable_total",
                                "worker threads that could not set up io_uring and send each write "
                                "on its own");
  return c;
}

thread_local SendBatch* t_batch = nullptr;  // trivially destructible: valid at thread exit
thread_local bool t_tried = false;
// Flushes and frees the thread's batch at thread exit.
struct BatchOwner {
  ~BatchOwner() {
    if (!t_batch) return;
    SendBatch* b = t_batch;
    b->flush_here();
    core::loop_turn::set_before_wait(nullptr);
    t_batch = nullptr;
    delete b;
  }
};
thread_local BatchOwner t_owner;

constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

}  // namespace

struct SendBatch::Entry {
  BatchedSocket* owner;  // nullptr: forgotten (sent, not reported)
  int fd;
  std::uint32_t off;
  std::uint32_t len;
};

struct SendBatch::Ring {
  io_uring ring;
};

SendBatch::SendBatch() : ring_(new Ring), entries_(new Entry[kMaxEntries]) {
  // One thread submits; completions need no interrupt of the thread.
  int r = io_uring_queue_init(kMaxEntries, &ring_->ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN);
  if (r == -EINVAL) r = io_uring_queue_init(kMaxEntries, &ring_->ring, 0);  // older kernels
  if (r < 0) {
    delete ring_;
    ring_ = nullptr;
    unavailable_total().inc();
  }
}

SendBatch::~SendBatch() {
  if (ring_) {
    io_uring_queue_exit(&ring_->ring);
    delete ring_;
  }
  delete[] entries_;
  delete[] arena_;
}

SendBatch* SendBatch::here() {
  if (t_batch) return t_batch->ring_ ? t_batch : nullptr;
  if (t_tried || !core::loop_turn::enabled() || g_capacity.load(std::memory_order_relaxed) == 0) return nullptr;
  t_tried = true;
  (void)&t_owner;  // registers the thread-exit flush
  t_batch = new SendBatch();
  if (!t_batch->ring_) return nullptr;
  core::loop_turn::set_before_wait(&SendBatch::flush_here);
  return t_batch;
}

bool SendBatch::available_here() { return here() != nullptr; }

void SendBatch::set_capacity(std::size_t bytes) { g_capacity.store(bytes, std::memory_order_relaxed); }

bool SendBatch::add(BatchedSocket& s, std::span<const boost::asio::const_buffer> bufs, std::size_t total) {
  SendBatch* b = here();
  return b && b->queue(s, bufs, total);
}

void SendBatch::flush_here() {
  if (t_batch && t_batch->n_) t_batch->flush();
}

void SendBatch::forget(BatchedSocket& s) {
  if (!t_batch || s.slot_ < 0) return;
  t_batch->entries_[s.slot_].owner = nullptr;  // its descriptor is still open: send now
  s.slot_ = -1;
  t_batch->flush();
}

bool SendBatch::queue(BatchedSocket& s, std::span<const boost::asio::const_buffer> bufs, std::size_t total) {
  const std::size_t cap = g_capacity.load(std::memory_order_relaxed);
  if (total == 0 || total > std::min(kMaxWrite, cap) || flushing_) return false;
  const int fd = s.batch_fd();
  if (fd < 0) return false;
  if (cap != capacity_) {  // first use, or limits.send_batch_bytes changed
    flush();
    delete[] arena_;
    arena_ = new char[cap];
    capacity_ = cap;
  }
  if (s.slot_ >= 0) {
    Entry& e = entries_[s.slot_];
    // The socket's entry is the last one: its bytes grow in place.
    if (unsigned(s.slot_) + 1 == n_ && used_ + total <= capacity_ && e.len + total <= kMaxWrite) {
      for (const auto& b : bufs) {
        std::memcpy(arena_ + used_, b.data(), b.size());
        used_ += b.size();
      }
      e.len += std::uint32_t(total);
      return true;
    }
    flush();  // one entry per socket and batch: their order on the wire stays
  }
  if (n_ == kMaxEntries || used_ + total > capacity_) flush();
  Entry& e = entries_[n_];
  e = Entry{&s, fd, std::uint32_t(used_), std::uint32_t(total)};
  for (const auto& b : bufs) {
    std::memcpy(arena_ + used_, b.data(), b.size());
    used_ += b.size();
  }
  s.slot_ = int(n_++);
  return true;
}

void SendBatch::settle(Entry& e, long res) {
  if (res == long(e.len) || !e.owner) return;
  const std::string_view data(arena_ + e.off, e.len);
  if (res >= 0 || res == -EAGAIN)
    e.owner->batch_rest(data, res > 0 ? std::size_t(res) : 0, 0);
  else
    e.owner->batch_rest(data, 0, int(-res));
}

void SendBatch::send_one(Entry& e) {
  ssize_t r;
  do r = ::send(e.fd, arena_ + e.off, e.len, kSendFlags);
  while (r < 0 && errno == EINTR);
  settle(e, r < 0 ? -long(errno) : long(r));
}

void SendBatch::flush() {
  if (n_ == 0) return;
  flushing_ = true;
  unsigned live = 0;
  for (unsigned i = 0; i < n_; ++i) {
    Entry& e = entries_[i];
    if (e.owner) {
      e.owner->slot_ = -1;
      if (e.owner->batch_fd() != e.fd) e.fd = -1;  // closed under us (never reused: the owner held it)
    }
    if (e.fd >= 0) ++live;
  }
  flushes_total().inc();
  sends_total().inc(live);
  if (live == 1) {
    for (unsigned i = 0; i < n_; ++i)
      if (entries_[i].fd >= 0) send_one(entries_[i]);
  } else if (live > 1) {
    io_uring& ring = ring_->ring;
    for (unsigned i = 0; i < n_; ++i) {
      const Entry& e = entries_[i];
      if (e.fd < 0) continue;
      io_uring_sqe* sqe = io_uring_get_sqe(&ring);  // kMaxEntries slots: never null here
      io_uring_prep_send(sqe, e.fd, arena_ + e.off, e.len, kSendFlags);
      io_uring_sqe_set_data64(sqe, i);
    }
    unsigned submitted = 0;
    for (int tries = 0; submitted < live;) {
      const int r = io_uring_submit(&ring);
      if (r > 0) {
        submitted += unsigned(r);
      } else if ((r == -EINTR || r == -EAGAIN || r == 0) && ++tries < 1000) {
        continue;
      } else {
        break;  // cannot happen with a ring this size; the unsent fail below
      }
    }
    if (submitted < live) {
      // The ring refused (cannot happen with a ring this size): what it did
      // not take must never go out later from a reused arena, so it is shut
      // and this thread sends each write on its own from now on.
      unavailable_total().inc();
    }
    // Non-blocking sends complete inside io_uring_enter: every completion is
    // there now (the wait is for the form's sake).
    unsigned seen = 0;
    std::uint64_t done_mask[kMaxEntries / 64] = {};
    while (seen < submitted) {
      io_uring_cqe* cqe = nullptr;
      if (io_uring_wait_cqe(&ring, &cqe) < 0 || !cqe) break;
      const auto i = unsigned(io_uring_cqe_get_data64(cqe));
      const long res = cqe->res;
      io_uring_cqe_seen(&ring, cqe);
      ++seen;
      if (i >= n_) continue;
      done_mask[i / 64] |= std::uint64_t(1) << (i % 64);
      settle(entries_[i], res);
    }
    for (unsigned i = 0; i < n_; ++i)
      if (entries_[i].fd >= 0 && !(done_mask[i / 64] >> (i % 64) & 1)) settle(entries_[i], -EIO);
    if (submitted < live) {
      io_uring_queue_exit(&ring);
      delete ring_;
      ring_ = nullptr;
    }
  }
  n_ = 0;
  used_ = 0;
  flushing_ = false;
}

}  // namespace strata::io

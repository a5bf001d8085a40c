// One system call for many small writes (issue 13): a worker's plain-TCP
// writes of up to kMaxWrite bytes are copied here instead of going out
// with one send(2) each, and the whole batch goes out with one
// io_uring_enter just before the worker's next epoll_wait (the hook in
// core/loop_clock), or earlier when it fills. On these machines a system
// call costs about 1 µs to enter and leave; a batch of 8 sends costs about
// half of 8 send(2) calls (docs/bench.md, "Batched sends").
//
// Each send is non-blocking (MSG_DONTWAIT), so every completion is there
// when io_uring_enter returns: the batch is empty again afterwards. A send
// the socket could not take whole (its buffer full) hands the rest back to
// its owner (BatchedSocket::batch_rest), which writes it through the event
// loop before anything else. A batch of one goes out with send(2).
//
// Per thread. Off (add() refuses) where the epoll_wait hook is not built
// (TSan, Clang), where io_uring is unavailable, or with
// limits.send_batch_bytes: 0.
#pragma once
#include <cstddef>
#include <span>
#include <string_view>

#include <boost/asio/buffer.hpp>

namespace strata::io {

class SendBatch;

// What a queued send belongs to (io/transport.cpp's TcpTransport).
class BatchedSocket {
 public:
  // The descriptor the queued bytes go to; -1 once closed (then they are dropped).
  virtual int batch_fd() const = 0;
  // The batch sent only the first `sent` bytes of `data` (`err`: errno of
  // a failed send, else 0): the owner takes over the rest. Runs inside
  // SendBatch::flush().
  virtual void batch_rest(std::string_view data, std::size_t sent, int err) = 0;
  bool batch_queued() const { return slot_ >= 0; }

 protected:
  ~BatchedSocket() = default;

 private:
  friend class SendBatch;
  int slot_ = -1;  // this socket's entry in its thread's batch, -1: none
};

class SendBatch {
 public:
  static constexpr std::size_t kMaxWrite = 16 * 1024;  // larger writes go out at once
  static constexpr unsigned kMaxEntries = 256;          // the ring's submission queue

  // This thread's batch, created on first use; nullptr when batching is off here.
  static SendBatch* here();
  // Queues `total` bytes of `bufs` for `s`: true when taken (the caller
  // counts them as written). False (too large, batching off): the caller
  // sends them itself, after flush_for(s).
  static bool add(BatchedSocket& s, std::span<const boost::asio::const_buffer> bufs, std::size_t total);
  // Puts what `s` has queued on the wire (with the rest of the batch) before
  // the caller writes, shuts down, closes or hands over the socket itself.
  static void flush_for(BatchedSocket& s) {
    if (s.batch_queued()) flush_here();
  }
  // `s` goes away: its queued bytes are still sent, but not reported back.
  static void forget(BatchedSocket& s);
  static void flush_here();

  // limits.send_batch_bytes, for every worker (0: off). Takes effect at
  // each thread's next batch.
  static void set_capacity(std::size_t bytes);
  // Whether io_uring could be set up on this thread (after here()).
  static bool available_here();

  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;
  ~SendBatch();

 private:
  struct Entry;
  struct Ring;
  SendBatch();
  bool queue(BatchedSocket& s, std::span<const boost::asio::const_buffer> bufs, std::size_t total);
  void flush();
  void send_one(Entry& e);
  void settle(Entry& e, long res);

  Ring* ring_;               // io_uring; nullptr: unavailable (add() refuses)
  Entry* entries_;
  unsigned n_ = 0;
  char* arena_ = nullptr;    // the queued bytes, back to back
  std::size_t used_ = 0;
  std::size_t capacity_ = 0; // arena_'s size
  bool flushing_ = false;    // add() refuses meanwhile (a rest's owner reacting)
};

}  // namespace strata::io

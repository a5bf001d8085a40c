// The per-worker write scheduler of the hub's h1 WebSocket fast path
// (ws_fast.cpp): connections with bytes queued register here instead of
// posting one handler each, and one drain writes them in FIFO order, in
// slices of kFlushSlice connections; between slices the drain re-posts
// itself, so the event loop polls sockets (the next publish request, client
// frames) during a large fan-out instead of after it. A connection that
// gets more bytes while listed stays listed once; one queued again after
// its write goes to the back.
// Metric: strata_hub_fanout_seconds, one observation per generation: the
// connections listed before a drain's first step (a publication batch's
// deliveries are queued inline, before any write), from the first one
// listed to the last one written (or waiting for writability). Connections
// listed meanwhile form the next generation, timed from their own first
// listing. So under a steady stream of batches each batch's fan-out is
// one observation, not one endless busy period.
// No allocation per connection once the list's capacity is reached (a
// shared_ptr copy per listed connection keeps it alive until written).
// Thread: one FlushQueue per io_context (an asio service), used only on
// that io_context's thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>

namespace strata::hub::transport {

// Connections written per drain step before the drain yields to the event
// loop. (Not yet a config key: wiring it to hub.* only needs the value
// passed to add().)
inline constexpr std::size_t kFlushSlice = 512;

class FlushQueue : public boost::asio::execution_context::service {
 public:
  using key_type = FlushQueue;
  static inline boost::asio::execution_context::id id;  // NOLINT (asio service id)

  explicit FlushQueue(boost::asio::io_context& ctx);
  ~FlushQueue() override;

  // The queue of `ctx` (created on first use; takes the service registry's
  // mutex: callers keep the reference, e.g. HubEnv::flush_queue).
  static FlushQueue& of(boost::asio::io_context& ctx);

  // Lists `t` for the next drain, which calls t->flush_now() (write what
  // is queued without blocking; on EAGAIN wait for writability on its
  // own). The caller keeps a "listed" flag so a connection is listed once.
  // `slice`: connections written per drain step (>= 1; the last value
  // given wins). No virtual base: the connection object stays as small as
  // it was (the memory goal).
  template <class T>
  void add(std::shared_ptr<T> t, std::size_t slice) {
    add_raw(std::shared_ptr<void>(std::move(t)), [](void* p) { static_cast<T*>(p)->flush_now(); }, slice);
  }

  std::size_t pending() const { return list_.size() - head_; }
  std::uint64_t cycles() const { return cycles_; }  // generations written (tests)
  std::uint64_t steps() const { return steps_; }    // drain steps run (tests)

 private:
  struct Entry {
    std::shared_ptr<void> target;
    void (*flush)(void*);
  };
  void add_raw(std::shared_ptr<void> t, void (*flush)(void*), std::size_t slice);
  void shutdown() override;
  void drain();

  boost::asio::io_context& io_;
  std::vector<Entry> list_;
  std::size_t head_ = 0;
  std::size_t slice_ = 1024;
  bool posted_ = false;
  // Generations (one observation of strata_hub_fanout_seconds each): the
  // open one ends at list index gen_end_ (kOpen: not fixed yet, its first
  // drain step fixes it); next_start_: when the first connection after it
  // was listed.
  static constexpr std::size_t kOpen = ~std::size_t(0);
  std::size_t gen_end_ = kOpen;
  std::chrono::steady_clock::time_point gen_start_{};
  std::chrono::steady_clock::time_point next_start_{};
  std::uint64_t cycles_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace strata::hub::transport

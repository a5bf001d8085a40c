// Idempotency keys of the publish API (docs/hub.md "Publish API"): the
// first request with a key runs; its reply is remembered for
// hub.idempotency_window_s and every later request with the same key gets
// that reply again without running. A request arriving while the first one
// is still running waits for it and gets the same reply.
//
// Per process (one store shared by every worker, a mutex around a map), so
// a retry reaches the remembered reply whichever worker accepted its
// connection. The API is not a fan-out hot path: one short critical section
// per keyed request is cheap next to the publication itself.
//
// Bounds: at most `max_keys` remembered replies (the oldest are forgotten
// first); requests still running are never forgotten (they can exceed the
// bound briefly). Failed requests are not remembered: complete(keep=false)
// wakes the waiters with the failure reply and forgets the key.
// Clock: injectable (core::Clock), steady time.
// Thread: any; waiters are resumed by posting to the executor they gave.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"

namespace strata::hub::api {

class IdempotencyStore {
 public:
  // A reply: HTTP status and JSON body.
  struct Reply {
    int status = 200;
    std::string body;
  };
  struct Waiter {
    boost::asio::any_io_executor executor;  // where `resume` is posted
    std::function<void(Reply)> resume;
  };
  enum class Begin : std::uint8_t {
    run,     // first with this key: run the request, then call complete()
    cached,  // `cached` holds the remembered reply
    wait,    // another request with this key is running: `w` will be resumed
  };

  explicit IdempotencyStore(const core::Clock& clock = core::SteadyClock::instance()) : clock_(clock) {}
  IdempotencyStore(const IdempotencyStore&) = delete;
  IdempotencyStore& operator=(const IdempotencyStore&) = delete;

  // The process-wide store.
  static IdempotencyStore& global();

  // Looks `key` up, forgetting replies older than `window` first. With
  // Begin::wait, `w` was taken and will be resumed exactly once.
  Begin begin(const std::string& key, std::chrono::seconds window, std::size_t max_keys,
              Reply& cached, Waiter&& w);
  // Ends the running request of `key`: wakes its waiters with `reply`;
  // `keep` remembers the reply (success), otherwise the key is forgotten.
  void complete(const std::string& key, const Reply& reply, bool keep, std::size_t max_keys);

  std::size_t size() const;  // remembered + running keys

 private:
  struct Entry {
    bool done = false;
    Reply reply;
    core::Clock::time_point at{};  // when completed
    std::vector<Waiter> waiters;
  };
  void expire(core::Clock::time_point now, std::chrono::seconds window);
  void evict(std::size_t max_keys);

  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  std::deque<std::pair<core::Clock::time_point, std::string>> order_;  // completed, oldest first
  std::size_t done_ = 0;  // completed entries in map_
};

}  // namespace strata::hub::api

// When a busy HTTP/1.1 keep-alive connection parks: not at once (parking
// and waking cost a coroutine spawn and a few allocations per request) but
// once it has waited ConnTime::park_after for its next request. One
// sweeper per io_context (an Asio service): connections waiting for a
// request in their driver coroutine are listed (intrusive, no allocation);
// a timer ticking every park_after while the list is not empty asks those
// idle for at least park_after to park (Http1Connection::request_park,
// which cancels the pending read). So an idle connection parks within
// 1-2 x park_after, with no timer re-armed per request.
// Thread: the io_context's thread only.
#pragma once
#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace strata::conn {

// What the sweeper sees of a connection (Http1Connection implements it).
class Parkable {
 public:
  // Intrusive list links and the time the wait began; owned by the sweeper.
  Parkable* park_prev = nullptr;
  Parkable* park_next = nullptr;
  std::chrono::steady_clock::time_point idle_since{};
  bool park_listed = false;
  // Ends the wait for a request so the connection parks.
  virtual void request_park() = 0;
 protected:
  ~Parkable() = default;
};

class Http1ParkSweeper final : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;
  explicit Http1ParkSweeper(boost::asio::execution_context& ctx) : service(ctx) {}
  // The sweeper of `ex`'s execution context.
  static Http1ParkSweeper& of(const boost::asio::any_io_executor& ex);

  // `c` starts waiting for its next request (ticks every `after`).
  void add(Parkable& c, const boost::asio::any_io_executor& ex, std::chrono::milliseconds after);
  void remove(Parkable& c);

 private:
  void shutdown() override;
  void arm();
  void tick();

  Parkable* head_ = nullptr;
  std::unique_ptr<boost::asio::steady_timer> timer_;
  std::chrono::milliseconds after_{100};
  bool armed_ = false;
};

}  // namespace strata::conn

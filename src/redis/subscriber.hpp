// Pub/sub: what a subscriber sees (SubscriberHandler), and one pub/sub
// connection to one node (PubSubConnection) that keeps the wanted set of
// channels: subscribe()/unsubscribe() of one event-loop turn go out as one
// SUBSCRIBE/UNSUBSCRIBE (SSUBSCRIBE/SUNSUBSCRIBE when sharded, one command
// per slot since Redis requires one slot per SSUBSCRIBE); after a
// reconnect it resubscribes the whole set in batches. Reads are drained as
// fast as they arrive (every complete message handled in the same turn),
// so Redis's client-output-buffer-limit for pubsub is not hit by a burst.
// Thread: the executor's (all calls and callbacks).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "redis/connection.hpp"

namespace strata::redis {

class SubscriberHandler {
 public:
  virtual ~SubscriberHandler() = default;
  // A message (PUBLISH or SPUBLISH) on a channel subscribed to.
  virtual void on_message(std::string_view channel, std::string_view payload) = 0;
  // Redis confirmed the subscription: the first time, and again after
  // every resubscribe (reconnect, failover, slot migration).
  virtual void on_subscribed(std::string_view channel) = 0;
  // The subscription stopped without unsubscribe() being asked (the
  // connection broke; a SUNSUBSCRIBE pushed by the server on a slot
  // migration). Messages are lost until on_subscribed() comes again; the
  // subscriber resubscribes on its own.
  virtual void on_interrupted(std::string_view channel) = 0;
};

class PubSubConnection {
 public:
  PubSubConnection(boost::asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg,
                   SubscriberHandler& h, bool sharded, std::string name = {});
  ~PubSubConnection();
  PubSubConnection(const PubSubConnection&) = delete;
  PubSubConnection& operator=(const PubSubConnection&) = delete;

  void subscribe(std::string_view channel);    // idempotent
  void unsubscribe(std::string_view channel);  // idempotent; no on_interrupted for it
  bool up() const;
  std::size_t channels() const;                // the wanted set
  const Endpoint& endpoint() const;
  void close();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace strata::redis

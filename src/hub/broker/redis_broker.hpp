// The Broker (broker.hpp) on a redis::Client: one per worker, on the
// worker's executor (the client's connections are the worker's own, so
// pub/sub messages land on the owner worker's thread with no hand-off).
// Names and routes: names.hpp; scripts: scripts.hpp; pub/sub payloads:
// payload.hpp. Cluster mode (client.sharded()): SPUBLISH/SSUBSCRIBE.
// A malformed reply or pub/sub payload is logged (rate-limited) and
// counted, never fatal.
// Thread: the worker's.
#pragma once
#include <memory>
#include <string>

#include "hub/broker/broker.hpp"
#include "hub/broker/names.hpp"
#include "redis/client.hpp"

namespace strata::hub::broker {

class RedisBroker final : public Broker, public redis::SubscriberHandler {
 public:
  // meta_ttl: how long a channel's offset/epoch outlive its last
  // publication (at least its history_ttl).
  // `ex`: the worker's executor (a reply that comes back inline, e.g. a
  // fail-fast error, is posted there: callbacks never run inside a call).
  RedisBroker(std::unique_ptr<redis::Client> client, boost::asio::any_io_executor ex, std::string prefix,
              unsigned partitions, std::chrono::milliseconds meta_ttl = std::chrono::hours(24));
  ~RedisBroker() override;

  // Broker
  void set_events(Events* e) override { events_ = e; }
  bool up(std::string_view channel) const override;
  void subscribe(std::string_view channel) override;
  void unsubscribe(std::string_view channel) override;
  void publish(std::string_view channel, std::string_view data, std::int64_t published_us,
               const StreamOptions& opt, const std::string& new_epoch,
               std::function<void(Status, Position)> done) override;
  void read(std::string_view channel, const ReadRequest& req, std::function<void(ReadResult)> done) override;
  void presence_add(std::string_view channel, const std::vector<PresenceMember>& members,
                    std::chrono::milliseconds ttl) override;
  void presence_remove(std::string_view channel, ClientId client, std::string_view user) override;
  void presence_get(std::string_view channel, std::function<void(Status, PresenceResult)> done) override;
  void send_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) override;
  void send_leave(std::string_view channel, ClientId client, std::string_view user) override;

  // redis::SubscriberHandler
  void on_message(std::string_view channel, std::string_view payload) override;
  void on_subscribed(std::string_view channel) override;
  void on_interrupted(std::string_view channel) override;

  redis::Client& client() { return *client_; }
  const Names& names() const { return names_; }

 private:
  void send_event(std::string_view channel, std::string payload);
  void eval(const std::string& route, const redis::Script& s, std::vector<std::string> keys,
            std::vector<std::string> args, std::function<void(redis::Result)> cb);

  std::unique_ptr<redis::Client> client_;
  boost::asio::any_io_executor ex_;
  Names names_;
  std::chrono::milliseconds meta_ttl_;
  Events* events_ = nullptr;
};

// How a redis::Result maps to a broker Status.
Status status_of(const redis::Result& r);

}  // namespace strata::hub::broker

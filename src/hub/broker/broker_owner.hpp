// The channels a worker owns, in broker mode (hub.broker.type: redis): the
// counterpart of owner.hpp when positions, history and presence live in
// the shared store (broker.hpp) and publications reach this node through
// its pub/sub. docs/hub.md "Multi-node" describes the rules; in short:
//
// - Node-level subscription: the first local subscriber of a channel
//   subscribes the node (Broker::subscribe), the last one leaving
//   unsubscribes it. Subscribe requests wait for the subscription and a
//   read of the stream's top, so a reply's position and the publications
//   after it never overlap or leave a hole.
// - Continuity per channel: a publication from pub/sub is delivered when
//   its offset is last+1 in the same epoch; offset <= last is a duplicate
//   (dropped); a gap is filled from the stream (XRANGE) or, when it cannot
//   be, every local subscriber gets ONE resync push (recovered:false) and
//   delivery continues from there. Never a silent gap.
// - While a read for a channel is in flight its pub/sub messages wait
//   (bounded; on overflow the channel re-syncs from the top).
// - Store unreachable (AP): publications keep positions locally in a
//   local epoch ("<epoch>~<node>") and reach this node's subscribers; the
//   channel is marked diverged. When the subscription comes back the top
//   is read: same epoch, no divergence and the gap readable -> delivered
//   seamlessly; otherwise one resync push.
// - history()/presence() come from the store when it is up, from the
//   local cache / local presence otherwise.
// Thread: the owner worker's (every method and callback).
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/broker/broker.hpp"
#include "hub/history.hpp"
#include "hub/name_map.hpp"
#include "hub/owner.hpp"
#include "hub/presence.hpp"

namespace strata::hub::broker {

class BrokerOwner final : public Events {
 public:
  struct Options {
    std::string node;                                    // this process, in local epochs ("<epoch>~<node>")
    std::chrono::milliseconds presence_ttl{60000};       // refreshed every ttl/3
    std::chrono::milliseconds subscribe_wait{3000};      // then a waiting subscribe is answered locally
    std::size_t max_held = 10000;                        // pub/sub messages held per channel during a read
  };
  BrokerOwner(unsigned workers, const core::Clock& clock, FanOut& out, Broker& broker, Options opt);
  ~BrokerOwner() override;

  using SubscribeReply = std::function<void(SubscribeResult)>;
  // `reply` runs once (maybe later, maybe now); a join push, if any, is sent
  // after it.
  void subscribe(std::string_view channel, const config::HubNamespace& ns, const OwnerSubscriber& s,
                 const std::optional<Position>& since, SubscribeReply reply);
  void unsubscribe(std::string_view channel, ClientId client, std::string_view user, unsigned worker);
  void publish(std::string_view channel, const config::HubNamespace& ns, std::string_view data,
               std::int64_t published_us, std::function<void(PublishResult)> done);
  void presence(std::string_view channel, std::function<void(PresenceResult)> done);
  void history(std::string_view channel, const config::HubNamespace& ns, const std::optional<Position>& since,
               std::uint32_t limit, std::function<void(HistoryResult)> done);
  void list(std::vector<WorkerHub::ChannelInfo>& out);
  // Periodic (the worker's sweep): answers subscribes that waited too
  // long, refreshes presence, frees idle channels.
  void sweep();

  std::size_t channels() const { return channels_.size(); }
  bool up() const { return broker_.up({}); }

  // Events (from the broker)
  void on_publication(std::string_view channel, Pub pub) override;
  void on_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) override;
  void on_leave(std::string_view channel, ClientId client, std::string_view user) override;
  void on_subscribed(std::string_view channel) override;
  void on_interrupted(std::string_view channel) override;

 private:
  enum class State : std::uint8_t {
    unsubscribed,   // the node is not subscribed (no local subscriber)
    subscribing,    // waiting for on_subscribed (subscribe requests wait while the store is up)
    syncing,        // reading the top after on_subscribed
    live,           // pub/sub flows; continuity checked per message
    interrupted,    // pub/sub lost or sync failed: local positions, subscribes answered locally
  };
  struct Waiter {
    std::uint64_t id = 0;
    OwnerSubscriber s;
    std::optional<Position> since;
    SubscribeReply reply;
    History::time_point at;
    bool reading = false;      // its recovery read is in flight
    bool cancelled = false;    // unsubscribed while reading
  };
  struct Channel {
    Channel(std::uint64_t id, unsigned workers) : id(id), cache(""), per_worker(workers, 0) {}
    std::uint64_t id;          // distinguishes a re-created entry in late callbacks
    History cache;             // last delivered position + recent publications
    std::vector<std::uint32_t> per_worker;
    std::uint64_t subscribers = 0;
    std::unique_ptr<Presence> presence;  // this node's clients
    State state = State::unsubscribed;
    bool diverged = false;     // local positions since the last sync
    bool resync_needed = false;  // held messages overflowed: re-read the top
    bool sync_retry = false;     // the top read after on_subscribed failed: the sweep retries
    unsigned busy = 0;         // reads in flight (messages wait in `held`)
    std::deque<Pub> held;
    std::vector<Waiter> waiters;
    bool presence_on = false, join_leave = false, skip_to_latest = false;
    StreamOptions stream;
  };
  using Map = NameMap<Channel>;

  Channel& get(std::string_view name, const config::HubNamespace& ns);
  Channel* find(std::string_view name);
  // The channel named `name` if it is still entry `id` (late callbacks).
  Channel* still(std::string_view name, std::uint64_t id);
  std::string new_epoch();
  std::string local_epoch(const Channel& ch);

  bool ready(std::string_view name, const Channel& ch) const;
  void resume(std::string_view name, Channel& ch);
  void serve(std::string_view name, Channel& ch, Waiter w);
  void admit(std::string_view name, Channel& ch, const Waiter& w, SubscribeResult r);
  void start_sync(std::string_view name, Channel& ch);
  void synced(std::string_view name, Channel& ch, ReadResult r);
  void handle(std::string_view name, Channel& ch, Pub pub);
  void fill_gap(std::string_view name, Channel& ch, Position from, std::uint64_t to, Position after);
  void deliver(std::string_view name, Channel& ch, const Pub& pub);
  void resync(std::string_view name, Channel& ch, Position at);
  void broadcast(Channel& ch, const PushPtr& p);
  void local_publish(std::string_view channel, const config::HubNamespace& ns, std::string_view data,
                     std::int64_t published_us, std::function<void(PublishResult)>& done);
  void maybe_free(Map::iterator it);
  // No local subscriber and no waiting subscribe left: unsubscribes the
  // node and frees the channel when it can; true when it is gone.
  bool release_if_idle(std::string_view channel);
  std::vector<PushPtr> to_pushes(std::string_view name, const Channel& ch, const std::vector<Pub>& pubs) const;

  unsigned workers_;
  const core::Clock& clock_;
  FanOut& out_;
  Broker& broker_;
  Options opt_;
  Map channels_;
  std::mt19937_64 rng_;
  std::uint64_t ids_ = 0;
  History::time_point last_refresh_{};
  std::shared_ptr<int> life_ = std::make_shared<int>(0);  // callbacks check it (weak) after destruction
};

}  // namespace strata::hub::broker

// What the hub's owner worker needs from the store shared by every strata
// node (docs/hub.md "Multi-node"): publish with an atomic position, pub/sub
// per channel, stream reads, presence. RedisBroker (redis_broker.hpp) is
// the implementation; the owner logic (broker_owner.hpp) only sees this
// interface, so it can be tested with a fake redis::Client underneath.
// Positions come from the store: offset = per-channel counter, epoch = the
// stream's epoch (changes when the store lost the channel's stream).
// Thread: one Broker per worker, all calls and callbacks on that worker.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub.hpp"

namespace strata::hub::broker {

// Outcome of a broker call.
enum class Status : std::uint8_t {
  ok,
  unavailable,  // the store is unreachable (disconnected, timeout, overloaded, closed): fall back
  failed,       // the store answered with an error or a malformed reply
};

// One publication as the store keeps it / sends it.
struct Pub {
  std::uint64_t offset = 0;
  std::string epoch;
  std::int64_t published_us = 0;
  std::string data;
};

// Events of the channels subscribed to (Broker::subscribe), on the worker.
class Events {
 public:
  virtual ~Events() = default;
  virtual void on_publication(std::string_view channel, Pub pub) = 0;
  virtual void on_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) = 0;
  virtual void on_leave(std::string_view channel, ClientId client, std::string_view user) = 0;
  // The subscription is confirmed (first time and after every resubscribe).
  virtual void on_subscribed(std::string_view channel) = 0;
  // Messages are lost until on_subscribed comes again.
  virtual void on_interrupted(std::string_view channel) = 0;
};

// Per-namespace parameters of a publication.
struct StreamOptions {
  std::uint32_t history_size = 0;             // 0: no stream entries (offsets still kept)
  std::chrono::milliseconds history_ttl{0};
};

// A stream read: the channel's top position and, optionally, entries.
struct ReadRequest {
  std::uint64_t from = 0;      // > 0: entries with offsets from..to (to 0 = up to the top)
  std::uint64_t to = 0;
  std::uint32_t limit = 0;     // at most this many entries (0 = no bound)
  bool newest = false;         // instead of from..to: the newest `limit` entries
  std::string create_epoch;    // not empty: start the stream with this epoch if it has none
};
struct ReadResult {
  Status status = Status::ok;
  Position top;                // epoch "" = the channel has no stream in the store
  std::vector<Pub> pubs;       // ascending offsets
};

struct PresenceMember {
  ClientId client = 0;
  std::string user;
  std::string info;
};

class Broker {
 public:
  virtual ~Broker() = default;
  // Set once, before anything else.
  virtual void set_events(Events* e) = 0;
  // The store's command connection for `channel` is up.
  virtual bool up(std::string_view channel) const = 0;
  // Node-level subscription (the owner refcounts local subscribers).
  virtual void subscribe(std::string_view channel) = 0;
  virtual void unsubscribe(std::string_view channel) = 0;

  // Assigns the next position (a new stream starts at `new_epoch`), keeps
  // the publication per `opt` and sends it to every subscribed node (this
  // one included) in one atomic step.
  virtual void publish(std::string_view channel, std::string_view data, std::int64_t published_us,
                       const StreamOptions& opt, const std::string& new_epoch,
                       std::function<void(Status, Position)> done) = 0;
  virtual void read(std::string_view channel, const ReadRequest& req, std::function<void(ReadResult)> done) = 0;

  // Presence: adds (or refreshes) clients, each kept `ttl` unless refreshed.
  virtual void presence_add(std::string_view channel, const std::vector<PresenceMember>& members,
                            std::chrono::milliseconds ttl) = 0;
  virtual void presence_remove(std::string_view channel, ClientId client, std::string_view user) = 0;
  virtual void presence_get(std::string_view channel, std::function<void(Status, PresenceResult)> done) = 0;
  // join/leave events to every subscribed node (this one included).
  virtual void send_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) = 0;
  virtual void send_leave(std::string_view channel, ClientId client, std::string_view user) = 0;
};

}  // namespace strata::hub::broker

// The hub's contract between its parts (docs/hub.md):
//
//   transports (hub/transport/: WebSocket on h1/h2/h3, SSE)  --Client-->
//   WorkerHub (one per worker: its clients and their subscriptions)
//   --post--> the channel's owner worker (hash of the name): offsets,
//   history, presence, encoding each push once --post--> every worker that
//   has subscribers of the channel --> Client::push() on each.
//
// Shared-nothing: a Client lives on one worker; a WorkerHub is used only on
// its worker's thread; cross-worker work is posted. A Push is immutable and
// shared by every worker that delivers it (the bytes are built once).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "hub/codes.hpp"

namespace strata::config {
struct HubConfig;
struct HubNamespace;
}

namespace strata::hub {

class TimerWheel;  // hub/timer_wheel.hpp

using ClientId = std::uint64_t;

// A position in a channel's stream: offset of the last publication (the
// first publication has offset 1) and the epoch of the stream. The epoch
// changes whenever continuity is lost (restart, history evicted by TTL).
struct Position {
  std::uint64_t offset = 0;
  std::string epoch;
  bool operator==(const Position&) const = default;
};

// One message to subscribers, encoded once by the channel's owner and
// shared (read-only) by every worker that delivers it.
struct Push {
  // resync (multi-node broker): the channel's continuity broke and could
  // not be restored; the subscriber's position is now (offset, epoch) with
  // recovered:false (the server-side subscribe push of the protocol).
  enum class Kind : std::uint8_t { publication, join, leave, resync };
  Kind kind = Kind::publication;
  std::string channel;
  std::uint64_t offset = 0;        // publications, resync: position in the channel
  std::string epoch;
  std::int64_t published_us = 0;   // unix time (µs) when published: latency histogram
  std::string json;                // the message as the WebSocket JSON protocol sends it
  std::string ws_frame;            // `json` as one unmasked FIN text frame (RFC 6455)
  std::string sse_event;           // the SSE event ("id: ...\ndata: ...\n\n")
  // The namespace's slow_consumer policy is skip_to_latest (what
  // Client::push() receives as skip_to_latest_allowed).
  bool skip_to_latest = false;
  // `json` compressed as one permessage-deflate frame with no context
  // takeover (RFC 7692 7.2.3.2): built on first use, once, thread-safe.
  const std::string& ws_frame_deflated() const;

  struct Lazy;                     // hub/push.cpp
  std::shared_ptr<Lazy> lazy;      // set by make_push()
};
using PushPtr = std::shared_ptr<const Push>;

// A connected hub client (one WebSocket or SSE stream), implemented by the
// transports. All calls on the client's worker thread.
class Client {
 public:
  virtual ~Client() = default;
  ClientId id() const { return id_; }
  const std::string& user() const { return user_; }  // "" = anonymous
  const std::string& info() const { return info_; }  // JSON from the token's "info", or ""
  // Queue a push for the client (bounded by hub.out_queue bytes; the slow
  // consumer policy of the push's namespace applies when it is full).
  virtual void push(const PushPtr& p, bool skip_to_latest_allowed) = 0;
  // Server-side close (API disconnect, drain, token expiry).
  virtual void disconnect(std::uint16_t code, std::string_view reason) = 0;
  // The hub dropped the client's subscription to `channel` on its own
  // (publish API unsubscribe_user); the client is told by the transport
  // if its protocol has a way. Default: nothing.
  virtual void unsubscribed(std::string_view channel) {}

 protected:
  Client(ClientId id, std::string user, std::string info)
      : id_(id), user_(std::move(user)), info_(std::move(info)) {}
  // Transports: the identity a `connect` command established (hubconn),
  // only while the client is neither attached nor subscribed anywhere.
  void set_identity(std::string user, std::string info) {
    user_ = std::move(user);
    info_ = std::move(info);
  }

 private:
  ClientId id_;
  std::string user_;
  std::string info_;
};

struct SubscribeResult {
  Error error = Error::none;
  Position position;               // the channel's current position
  bool recovery_asked = false;     // `since` was given
  bool recovered = false;          // every missed publication is in `missed`
  std::vector<PushPtr> missed;     // in order, offsets since.offset+1 .. position.offset
};

struct PublishRequest {
  std::string channel;
  std::string data;                // JSON value text (validated by the caller)
  const Client* from = nullptr;    // client publish (permission checked), null = API
};
struct PublishResult {
  Error error = Error::none;
  Position position;               // assigned to the publication
};

struct PresenceEntry {
  ClientId client = 0;
  std::string user;
  std::string info;
};
struct PresenceResult {
  Error error = Error::none;
  std::vector<PresenceEntry> clients;
  std::uint64_t num_clients = 0;
  std::uint64_t num_users = 0;
};

struct HistoryResult {
  Error error = Error::none;
  Position position;
  bool recovered = true;           // false: `since` is no longer in history
  std::vector<PushPtr> publications;
};

// A worker's hub. Every method runs on the worker's thread; callbacks are
// invoked on that thread too (possibly before the method returns when the
// channel's owner is this worker). Re-entrancy: when the owner is this
// worker, publish() (and subscribe() of a join_leave namespace) call
// Client::push() of local subscribers before returning, the publishing
// client included; Client::push() may call remove()/unsubscribe().
class WorkerHub {
 public:
  virtual ~WorkerHub() = default;
  virtual unsigned worker() const = 0;
  // The options in force; Hub::apply() swaps them between two handlers, so
  // do not keep the reference (or pointers into it) across turns.
  virtual const config::HubConfig& config() const = 0;
  virtual ClientId next_client_id() = 0;   // unique across workers
  // The worker's timer wheel (heartbeats, timeouts of the transports).
  virtual TimerWheel& wheel() = 0;

  // Registers `c` for user-wide operations (disconnect_user,
  // unsubscribe_user) before it subscribes to anything; subscribe() does it
  // too. remove() undoes it. Idempotent.
  virtual void attach(Client& c) = 0;

  // Subscribes `c` (which must stay alive or call remove() first). With
  // `since`, recovers: missed publications come in the result, in order,
  // and every later publication reaches c.push() after `done` ran.
  // Checks: channel name/namespace (unknown_channel), #user channels and
  // anonymous clients (permission_denied), already_subscribed,
  // hub.max_channels_per_client (limit_exceeded). Not checked here:
  // subscribe tokens of private namespaces.
  // unsubscribe() before `done` ran: done gets Error::not_subscribed;
  // remove() before `done` ran: done is dropped (never called).
  virtual void subscribe(Client& c, std::string_view channel, std::optional<Position> since,
                         std::function<void(SubscribeResult)> done) = 0;
  virtual void unsubscribe(Client& c, std::string_view channel) = 0;
  virtual void remove(Client& c) = 0;      // all of c's subscriptions; no call to c afterwards

  virtual void publish(PublishRequest req, std::function<void(PublishResult)> done) = 0;
  virtual void presence(std::string_view channel, std::function<void(PresenceResult)> done) = 0;
  virtual void history(std::string_view channel, std::optional<Position> since, std::uint32_t limit,
                       std::function<void(HistoryResult)> done) = 0;
  // On every worker: close the user's clients / drop their subscription.
  virtual void disconnect_user(std::string_view user, std::uint16_t code, std::string_view reason) = 0;
  virtual void unsubscribe_user(std::string_view user, std::string_view channel) = 0;

  // Every channel with state (subscribers or history), gathered from all
  // owners; `done` runs on this worker's thread.
  struct ChannelInfo {
    std::string name;
    std::uint64_t subscribers = 0;
    Position position;
    std::uint32_t history = 0;     // publications currently kept
  };
  virtual void channels(std::function<void(std::vector<ChannelInfo>)> done) = 0;
};

// The process-wide hub: one WorkerHub per worker, created with the
// workers, kept across reloads (apply() swaps the options; live
// subscriptions stay).
class Hub {
 public:
  virtual ~Hub() = default;
  virtual WorkerHub& on(unsigned worker) = 0;
  virtual unsigned workers() const = 0;
  virtual void apply(std::shared_ptr<const config::HubConfig> cfg) = 0;
};

}  // namespace strata::hub

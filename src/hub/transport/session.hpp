// The transport-neutral part of a hub client (docs/hub.md): identity
// (URL token, `connect` command, anonymous), server-side subscriptions
// from the URL (`channels`, `since`) and the token's `channels` claim, the
// commands of the WebSocket protocol (subscribe, unsubscribe, publish,
// presence, history, ping), the connect deadline and token expiry.
// Transports (WebSocket over h1/h2/h3, SSE) derive from it and implement
// the output: push() / disconnect() of hub::Client plus send_text() and
// the server-side subscription notice.
//
// Lifetime: the transport calls close_session() before the object goes
// (it removes the client from the hub); replies of publish/presence/
// history that arrive later are dropped. Thread: the client's worker.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/auth/verifier.hpp"
#include "hub/hub.hpp"
#include "hub/timer_wheel.hpp"

namespace strata::hub::transport {

// Query parameters of a hub URL: token=, channels=a,b (comma separated,
// percent-decoded), since=<epoch>:<offset>.
struct UrlParams {
  std::string token;
  std::vector<std::string> channels;
  std::optional<Position> since;     // only used with exactly one channel
  bool bad = false;                  // malformed since= or empty channel name
};
UrlParams parse_url_params(std::string_view target);

class Session;
class FlushQueue;

// What the transports share per worker: the hub, the token verifier
// (replaced on reload) and the live sessions (for drain). Owned by the
// server's worker slot; outlives every session of the worker.
struct HubEnv {
  WorkerHub* hub = nullptr;
  std::shared_ptr<const auth::TokenVerifier> verifier;  // null: every token is refused
  // Process-wide count of live hub sessions (Server::drain waits for it); may be null.
  std::atomic<std::int64_t>* live = nullptr;
  // Process-wide downstream connection count (limits.max_connections):
  // h1 WebSockets that left their HTTP connection stay counted here; may be null.
  std::atomic<std::int64_t>* connections = nullptr;
  // The worker's write drain of the h1 WebSocket fast path (flush_queue.hpp),
  // looked up on first use; owned by the worker's io_context.
  FlushQueue* flush_queue = nullptr;

  // Drain: every session (and any that opens later) closes with 1012
  // "reconnect" at a random time within `spread`.
  void drain(std::chrono::milliseconds spread);
  // Closes every session now (server stop).
  void close_all();
  bool draining() const { return draining_; }
  std::size_t sessions() const { return count_; }

 private:
  friend class Session;
  void add(Session& s);
  void remove(Session& s);
  void schedule_drain(Session& s);
  Session* head_ = nullptr;
  std::size_t count_ = 0;
  std::chrono::milliseconds spread_{0};
  bool draining_ = false;
};

class Session : public Client {
 public:
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Opens the session with the URL's parameters. May call disconnect()
  // (bad or expired token) before returning; returns false then.
  bool open(UrlParams params);
  // One WebSocket text message (a command). Protocol violations call
  // disconnect(4000).
  void on_message(std::string_view text);
  // Leaves the hub: every subscription goes, no hub callback afterwards.
  void close_session();

  // The hub dropped a subscription (publish API): forget it, tell the
  // client ({"push":{"channel":C,"unsubscribe":{}}} over WebSocket).
  void unsubscribed(std::string_view channel) override;

  // Stops every timer of the session (server stop: the wheel goes first).
  virtual void cancel_timers();

  bool connected() const { return connected_; }
  bool closed() const { return closed_; }
  std::size_t subscriptions() const { return subs_.size(); }
  WorkerHub& hub() const { return *env_->hub; }
  HubEnv& env() const { return *env_; }

 protected:
  // `env` must outlive the session. Registers with env (drain).
  Session(HubEnv& env, bool accepts_commands);

  // A reply or server message (WebSocket: one text frame). SSE never gets one.
  virtual void send_text(std::string json) = 0;
  // A server-side subscription took effect (before its missed publications).
  virtual void send_subscribed(std::string_view channel, const SubscribeResult& r);
  // A server-side subscription failed (WebSocket: closes; SSE: error event).
  virtual void subscribe_failed(std::string_view channel, Error e);
  // Identity is established (SSE: "event: connect").
  virtual void on_connected() {}

  // Unix time in seconds (token expiry): the verifier's clock; tests override.
  virtual std::int64_t unix_now() const;

 private:
  void connect_with(const auth::TokenClaims& t, std::uint64_t reply_id);
  auth::TokenResult verify(std::string_view token) const;
  void subscribe_server_side(const std::vector<std::string>& channels,
                             const std::optional<Position>& since);
  void cmd_subscribe(std::uint64_t id, std::string channel, std::optional<Position> since,
                     std::string_view token);
  void cmd_publish(std::uint64_t id, std::string channel, std::string data);
  void cmd_presence(std::uint64_t id, const std::string& channel);
  void cmd_history(std::uint64_t id, const std::string& channel, std::optional<Position> since,
                   std::uint32_t limit);
  bool has_sub(std::string_view channel) const;
  void drop_sub(std::string_view channel);
  void arm_deadline();
  static void on_deadline(void* self);
  std::shared_ptr<Session*> alive();

  friend struct HubEnv;
  HubEnv* env_;
  Session* reg_prev_ = nullptr;        // HubEnv's list of live sessions
  Session* reg_next_ = nullptr;
  std::vector<std::string> subs_;      // subscribed or subscribing
  std::shared_ptr<Session*> alive_;    // for callbacks remove() does not cancel
  WheelNode deadline_;                 // connect timeout, then token expiry
  std::int64_t exp_ = 0;               // token expiry, unix seconds, 0 = none
  bool accepts_commands_;
  bool connected_ = false;
  bool explicit_connect_ = false;      // a `connect` command was answered
  bool closed_ = false;
  bool draining_ = false;              // deadline_ now means "close with 1012"
};

}  // namespace strata::hub::transport

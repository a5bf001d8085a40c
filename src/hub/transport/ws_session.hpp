// The WebSocket side of a hub client, whatever carries the bytes: frames
// in (codec/websocket MessageReader: RFC 6455 rules, limits, UTF-8,
// permessage-deflate), commands to the Session, replies and pushes out as
// frames through the bounded OutQueue, pings every hub.heartbeat, a close
// with 4009 after hub.client_timeout of silence, and the close handshake.
// Two carriers derive from it: the callback-driven h1 fast path
// (ws_fast.cpp) and the coroutine path over http::ByteStream (ws_stream.cpp).
//
// Carrier contract: feed every byte read to on_bytes(); write what out()
// holds when kick() is called (or later in the same turn); once the queue
// is empty and close_sent() is true, finish the transport (half-close,
// wait briefly for the peer's EOF, close). On a read error / EOF call
// on_transport_gone(). Thread: the connection's worker.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "codec/websocket/message_reader.hpp"
#include "codec/websocket/permessage_deflate.hpp"
#include "hub/out_queue.hpp"
#include "hub/transport/session.hpp"

namespace strata::hub::transport {

class WsSession : public Session {
 public:
  // `deflate`: the negotiated permessage-deflate parameters, if any.
  WsSession(HubEnv& env, std::optional<codec::websocket::DeflateParams> deflate);
  ~WsSession() override;

  // Bytes from the peer (unmasked in place). Ignored once closing.
  void on_bytes(std::span<char> in);
  // The peer is gone (EOF, reset): leave the hub, nothing more to write.
  void on_transport_gone();

  // hub::Client
  void push(const PushPtr& p, bool skip_to_latest_allowed) override;
  void disconnect(std::uint16_t code, std::string_view reason) override;

  OutQueue& out() { return queue_; }
  bool close_sent() const { return closing_; }     // a close frame is queued or written
  bool gone() const { return gone_; }
  // Starts heartbeats; call once the carrier is ready to write.
  void start();
  void cancel_timers() override;

 protected:
  // Something was queued: the carrier writes it (now or at the end of the turn).
  virtual void kick() = 0;
  // The close handshake timed out or the client is gone: drop the transport now.
  virtual void abort_transport() = 0;

  void send_text(std::string json) override;

 private:
  static void on_heartbeat(void* self);
  void handle_event(const codec::websocket::MessageReader::Event& e);
  void queue_close(std::uint16_t code, std::string_view reason);

  codec::websocket::MessageReader reader_;
  OutQueue queue_;
  WheelNode heartbeat_;
  std::uint32_t silent_ms_ = 0;        // since bytes last came in, in heartbeat steps
  bool rx_ = false;                    // bytes came in since the last heartbeat
  bool deflate_frames_ = false;        // send pushes as the shared compressed frame
  bool closing_ = false;               // close frame queued: nothing else goes out
  bool gone_ = false;
};

}  // namespace strata::hub::transport

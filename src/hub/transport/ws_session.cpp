// WebSocket framing of a hub client (transport/ws_session.hpp).
#include "hub/transport/ws_session.hpp"

#include "codec/websocket/close.hpp"
#include "codec/websocket/frame_writer.hpp"
#include "config/hub.hpp"

namespace strata::hub::transport {

namespace ws = codec::websocket;

namespace {
ws::MessageReader::Limits limits_of(const config::HubConfig& c) {
  return {c.max_frame, c.max_message};
}
}  // namespace

WsSession::WsSession(HubEnv& env, std::optional<ws::DeflateParams> deflate)
    : Session(env, true),
      reader_(ws::Role::server, limits_of(env.hub->config())),
      queue_(env.hub->config().out_queue) {
  heartbeat_.set(&WsSession::on_heartbeat, this);
  if (deflate) {
    reader_.enable_inflate(deflate->client_max_window_bits, deflate->client_no_context_takeover);
    // The shared frame (Push::ws_frame_deflated) is compressed with a 15-bit
    // window and no context: usable only when the client agreed to both.
    deflate_frames_ = deflate->server_no_context_takeover && deflate->server_max_window_bits == 15;
  }
}

WsSession::~WsSession() = default;

void WsSession::cancel_timers() {
  Session::cancel_timers();
  hub().wheel().cancel(heartbeat_);
}

void WsSession::start() { hub().wheel().schedule(heartbeat_, hub().config().heartbeat); }

void WsSession::on_bytes(std::span<char> in) {
  rx_ = true;
  while (!in.empty() && !gone_) {
    auto e = reader_.next(in);
    if (e.kind == ws::MessageReader::Event::Kind::need_more) break;
    handle_event(e);
    if (reader_.closed() || reader_.failed()) break;
  }
}

void WsSession::handle_event(const ws::MessageReader::Event& e) {
  using K = ws::MessageReader::Event::Kind;
  switch (e.kind) {
    case K::message:
      if (closing_) return;
      if (e.opcode != ws::Opcode::text) {
        disconnect(close_code::unsupported_data, "binary messages are not supported");
        return;
      }
      on_message(e.payload);
      return;
    case K::ping:
      if (closing_) return;
      queue_.push_owned(ws::pong_frame(e.payload));
      kick();
      return;
    case K::pong:
      return;
    case K::close:
      // Echo the peer's code (RFC 6455 5.5.1); none -> empty close.
      if (!closing_) queue_close(e.code == ws::kNoStatus ? 0 : e.code, {});
      close_session();
      return;
    case K::error:
      if (!closing_) queue_close(e.code, ws::describe(e.error));
      close_session();
      return;
    case K::need_more:
      return;
  }
}

void WsSession::queue_close(std::uint16_t code, std::string_view reason) {
  closing_ = true;
  queue_.push_owned(ws::close_frame(code, reason));
  kick();
  // The heartbeat now bounds the close handshake.
  hub().wheel().schedule(heartbeat_, std::chrono::seconds(2));
}

void WsSession::send_text(std::string json) {
  if (closing_ || gone_) return;
  queue_.push_owned(ws::text_frame(json));
  kick();
}

void WsSession::push(const PushPtr& p, bool skip_to_latest_allowed) {
  if (closing_ || gone_ || !p) return;
  std::string_view bytes = deflate_frames_ ? std::string_view(p->ws_frame_deflated())
                                           : std::string_view(p->ws_frame);
  if (queue_.push(p, bytes, skip_to_latest_allowed) == OutQueue::Result::disconnect) {
    disconnect(close_code::slow_consumer, "slow consumer");
    return;
  }
  kick();
}

void WsSession::disconnect(std::uint16_t code, std::string_view reason) {
  if (closing_ || gone_) return;
  if (code == close_code::slow_consumer) queue_.clear();  // the close frame goes out next
  queue_close(code, reason);
  close_session();
}

void WsSession::on_transport_gone() {
  if (gone_) return;
  gone_ = true;
  hub().wheel().cancel(heartbeat_);
  close_session();
}

void WsSession::on_heartbeat(void* self) {
  auto* s = static_cast<WsSession*>(self);
  if (s->gone_) return;
  if (s->closing_) {  // the peer never completed the close handshake
    s->gone_ = true;
    s->abort_transport();
    return;
  }
  const auto& cfg = s->hub().config();
  const auto step = static_cast<std::uint32_t>(cfg.heartbeat.count());
  s->silent_ms_ = s->rx_ ? 0 : s->silent_ms_ + step;
  s->rx_ = false;
  if (s->silent_ms_ >= cfg.client_timeout.count()) {
    s->disconnect(close_code::heartbeat_timeout, "heartbeat timeout");
    return;
  }
  s->queue_.push_owned(ws::ping_frame());
  s->kick();
  s->hub().wheel().schedule(s->heartbeat_, cfg.heartbeat);
}

}  // namespace strata::hub::transport

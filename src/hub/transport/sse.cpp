// SSE transport (transport/sse.hpp): a Session whose output is the
// response body, written by the serving coroutine.
#include "hub/transport/sse.hpp"

#include <string>

#include "config/hub.hpp"
#include "conn/signal.hpp"
#include "filter/local_reply.hpp"
#include "hub/hub_metrics.hpp"
#include "hub/out_queue.hpp"
#include "hub/protocol/command.hpp"
#include "hub/protocol/reply.hpp"
#include "hub/transport/session.hpp"

namespace strata::hub::transport {
namespace {

namespace asio = boost::asio;

class SseClient final : public Session {
 public:
  SseClient(HubEnv& env, const asio::any_io_executor& ex)
      : Session(env, false), queue_(hub().config().out_queue), signal_(ex) {
    heartbeat_.set(&SseClient::on_heartbeat, this);
  }

  void push(const PushPtr& p, bool skip_to_latest_allowed) override {
    if (closing_ || !p) return;
    if (queue_.push(p, p->sse_event, skip_to_latest_allowed) == OutQueue::Result::disconnect) {
      disconnect(close_code::slow_consumer, "slow consumer");
      return;
    }
    signal_.notify();
  }

  void disconnect(std::uint16_t code, std::string_view reason) override {
    if (closing_) return;
    closing_ = true;
    if (code == close_code::slow_consumer) queue_.drop_unstarted();  // it would not go out anyway
    queue_.push_owned(protocol::sse_disconnect(code, reason));
    signal_.notify();
  }

  void queue_owned(std::string s) {
    queue_.push_owned(std::move(s));
    signal_.notify();
  }

  // The serving loop: writes what is queued, ends on close or write error.
  asio::awaitable<void> run(http::Exchange& ex) {
    hub().wheel().schedule(heartbeat_, hub().config().heartbeat);
    std::string chunk;
    while (true) {
      while (!queue_.empty()) {
        chunk.clear();
        // One write per turn of what is queued (batched), bounded.
        while (!queue_.empty() && chunk.size() < 64 * 1024) {
          auto f = queue_.front();
          chunk.append(f);
          queue_.consume(f.size());
        }
        if (co_await ex.send_body(chunk, false)) co_return;
      }
      if (closing_) {
        co_await ex.send_body({}, true);
        co_return;
      }
      co_await signal_.wait();
    }
  }

  void cancel_timers() override {
    Session::cancel_timers();
    hub().wheel().cancel(heartbeat_);
  }

  void stop() {
    hub().wheel().cancel(heartbeat_);
    close_session();
  }

 protected:
  void send_text(std::string) override {}
  void send_subscribed(std::string_view channel, const SubscribeResult& r) override {
    queue_owned(protocol::sse_subscribe(channel, r));
  }
  void subscribe_failed(std::string_view channel, Error e) override {
    queue_owned(protocol::sse_error(channel, e));
  }
  void on_connected() override { queue_owned(protocol::sse_connect(id(), user())); }

 private:
  static void on_heartbeat(void* self) {
    auto* c = static_cast<SseClient*>(self);
    if (c->closing_) return;
    c->queue_owned(std::string(protocol::kSsePing));
    c->hub().wheel().schedule(c->heartbeat_, c->hub().config().heartbeat);
  }

  OutQueue queue_;
  conn::Signal signal_;
  WheelNode heartbeat_;
  bool closing_ = false;
};

bool has_event_stream(std::string_view accept) {
  for (std::size_t i = 0; i + 17 <= accept.size(); ++i) {
    bool eq = true;
    for (std::size_t k = 0; k < 17 && eq; ++k)
      eq = std::tolower(static_cast<unsigned char>(accept[i + k])) == "text/event-stream"[k];
    if (eq) return true;
  }
  return false;
}

const char* transport_label(http::Protocol p) {
  switch (p) {
    case http::Protocol::h2: return "sse_h2";
    case http::Protocol::h3: return "sse_h3";
    default: return "sse_h1";
  }
}

}  // namespace

bool is_sse_request(const http::Request& r) {
  if (r.method != "GET") return false;
  return has_event_stream(r.headers.joined("accept"));
}

asio::awaitable<void> serve_sse(http::Exchange& ex, HubEnv& env) {
  auto params = parse_url_params(ex.request().target);
  // EventSource's own reconnect repeats the URL (with any since= it had)
  // and adds Last-Event-ID: the newer position wins.
  if (params.channels.size() == 1)
    if (auto id = ex.request().headers.get("last-event-id"); id && !id->empty()) {
      if (auto pos = protocol::parse_position(*id)) params.since = std::move(pos);  // malformed: ignored
    }
  // A bad or expired token gets 401 before the stream starts: EventSource
  // does not retry a non-200 answer (a 200 then a disconnect would make it
  // come back every `retry` forever).
  if (!params.token.empty()) {
    auth::TokenResult t;
    if (env.verifier) t = env.verifier->verify(params.token);
    if (!t.ok()) {
      co_await filter::send_local_reply(
          ex, filter::local_reply(401, t.status == auth::TokenStatus::expired ? "hub-token-expired"
                                                                             : "hub-unauthorized",
                                  t.status == auth::TokenStatus::expired ? "token expired\n"
                                                                         : "unauthorized\n"));
      co_return;
    }
  }
  http::Response head;
  head.status = 200;
  head.headers.set("content-type", "text/event-stream; charset=utf-8");
  head.headers.set("cache-control", "no-cache");
  head.headers.set("x-accel-buffering", "no");
  if (co_await ex.send_head(head, false)) co_return;
  auto& gauge = connections_gauge(transport_label(ex.request().protocol));
  gauge.add();
  SseClient client(env, ex.executor());
  client.queue_owned(std::string(protocol::kSseRetry));
  client.open(std::move(params));
  co_await client.run(ex);
  client.stop();
  gauge.sub();
}

}  // namespace strata::hub::transport

// Pub/sub connection: the wanted set, batched (S)SUBSCRIBE/(S)UNSUBSCRIBE,
// resubscribe after reconnect (redis/subscriber.hpp), over detail::Link.
//
// Bookkeeping: `wanted` is what the user asked for; `sent` is what the
// server will hold once it has processed every command written (so a
// subscribe and an unsubscribe of one turn cancel out); `confirmed` is what
// the server confirmed. Our unsubscribes are counted per channel
// (`unsub_acks`) so an unsubscribe confirmation we did not ask for is
// recognised as pushed by the server (a slot migration in cluster mode).
// Commands waiting for their confirmations are queued (`cmds`): an error
// reply belongs to the oldest, and the oldest must be confirmed within
// command_timeout.
#include "redis/subscriber.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "redis/format.hpp"
#include "redis/link.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/slot.hpp"

namespace strata::redis {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Channels per (S)SUBSCRIBE command.
constexpr std::size_t kBatch = 1000;

bool kind_is(const Reply& r, std::string_view k) {
  if (!r.is_string() || r.str.size() != k.size()) return false;
  for (std::size_t i = 0; i < k.size(); ++i)
    if ((r.str[i] | 0x20) != k[i]) return false;
  return true;
}

}  // namespace

struct PubSubConnection::Impl final : detail::Link {
  Impl(asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg, SubscriberHandler& h, bool sharded,
       std::string name)
      : Link(ex, std::move(ep), cfg, std::move(name), false), h(&h), sharded(sharded), timer(ex), retry_timer(ex),
        heartbeat(ex) {}

  struct Cmd {
    bool sub;
    bool ping;  // our heartbeat: answered by "pong" (["pong", ""] while subscribed)
    std::vector<std::string> channels;
    std::size_t left;  // confirmations still expected
    Clock::time_point deadline;
  };

  SubscriberHandler* h;
  bool sharded;
  std::unordered_set<std::string> wanted, sent, confirmed, dirty, retry;
  std::unordered_map<std::string, unsigned> unsub_acks;
  std::deque<Cmd> cmds;
  bool flush_posted = false;
  asio::steady_timer timer;        // the oldest command's deadline
  bool timer_armed = false;
  asio::steady_timer retry_timer;  // resubscribe channels the server dropped
  bool retry_armed = false;
  asio::steady_timer heartbeat;  // PING when idle (Link::heartbeat_interval)
  bool activity = false;         // something read since the last tick
  std::string scratch;

  void beat(std::uint64_t gen) {
    heartbeat.expires_after(heartbeat_interval());
    heartbeat.async_wait([s = self(), gen](boost::system::error_code ec) {
      if (ec || gen != s->generation() || !s->up()) return;
      if (!s->activity && s->cmds.empty()) {
        s->scratch.clear();
        format_command({"PING"}, s->scratch);
        s->send(s->scratch);
        s->cmds.push_back({false, true, {}, 1, Clock::now() + s->cfg().command_timeout});
        s->arm();
      }
      s->activity = false;
      s->beat(gen);
    });
  }

  // A PONG (status when nothing is subscribed, ["pong", ""] otherwise).
  bool pong(const Reply& r) {
    if (r.type == Reply::Type::status ? !kind_is(r, "pong")
                                      : !(r.is_array() && r.elements.size() == 2 && kind_is(r.elements[0], "pong")))
      return false;
    if (!cmds.empty() && cmds.front().ping) {
      cmds.pop_front();
      if (!timer_armed) arm();
    }
    return true;
  }

  std::shared_ptr<Impl> self() { return std::static_pointer_cast<Impl>(shared_from_this()); }

  void subscribe(std::string_view ch) {
    if (closed()) return;
    if (wanted.emplace(ch).second) mark(std::string(ch));
  }
  void unsubscribe(std::string_view ch) {
    if (closed()) return;
    auto it = wanted.find(std::string(ch));
    if (it == wanted.end()) return;
    wanted.erase(it);
    retry.erase(std::string(ch));
    mark(std::string(ch));
  }
  void mark(std::string ch) {
    if (!up()) return;  // on_up() subscribes the whole wanted set
    dirty.insert(std::move(ch));
    if (flush_posted) return;
    flush_posted = true;
    asio::post(executor(), [s = self(), gen = generation()] {
      s->flush_posted = false;
      if (gen == s->generation()) s->flush();
    });
  }

  void flush() {
    if (!up()) {
      dirty.clear();
      return;
    }
    std::vector<std::string> subs, unsubs;
    for (auto& ch : dirty) {
      const bool want = wanted.count(ch) != 0, has = sent.count(ch) != 0;
      if (want && !has) subs.push_back(ch);
      if (!want && has) unsubs.push_back(ch);
    }
    dirty.clear();
    send_all(false, std::move(unsubs));
    send_all(true, std::move(subs));
  }

  void send_all(bool sub, std::vector<std::string> chans) {
    if (chans.empty()) return;
    if (!sharded) return send_batches(sub, std::move(chans));
    std::map<unsigned, std::vector<std::string>> by_slot;
    for (auto& c : chans) by_slot[key_slot(c)].push_back(std::move(c));
    for (auto& [slot, v] : by_slot) send_batches(sub, std::move(v));
  }

  void send_batches(bool sub, std::vector<std::string> chans) {
    for (std::size_t i = 0; i < chans.size(); i += kBatch) {
      const std::size_t end = std::min(chans.size(), i + kBatch);
      std::vector<std::string> args;
      args.reserve(end - i + 1);
      args.emplace_back(sharded ? (sub ? "SSUBSCRIBE" : "SUNSUBSCRIBE") : (sub ? "SUBSCRIBE" : "UNSUBSCRIBE"));
      for (std::size_t j = i; j < end; ++j) {
        args.push_back(chans[j]);
        if (sub)
          sent.insert(chans[j]);
        else {
          sent.erase(chans[j]);
          ++unsub_acks[chans[j]];
        }
      }
      scratch.clear();
      format_command(args, scratch);
      send(scratch);
      args.erase(args.begin());
      const std::size_t n = args.size();
      cmds.push_back({sub, false, std::move(args), n, Clock::now() + cfg().command_timeout});
    }
    arm();
  }

  void arm() {
    if (timer_armed || cmds.empty()) return;
    timer_armed = true;
    timer.expires_at(cmds.front().deadline);
    timer.async_wait([s = self()](boost::system::error_code ec) {
      s->timer_armed = false;
      if (ec || s->cmds.empty() || !s->up()) return;
      if (s->cmds.front().deadline <= Clock::now())
        return s->fail(Errc::timeout, "no (un)subscribe confirmation within command_timeout");
      s->arm();
    });
  }

  // One confirmation of the oldest command (if it is of that kind).
  void confirm(bool sub) {
    if (cmds.empty() || cmds.front().ping || cmds.front().sub != sub) return;
    if (--cmds.front().left == 0) {
      cmds.pop_front();
      if (!timer_armed) arm();
    }
  }

  void set_confirmed(const std::string& ch, bool on) {
    auto& g = RedisMetrics::get().subscriptions;
    if (on) {
      if (confirmed.insert(ch).second) g.add();
    } else if (confirmed.erase(ch)) {
      g.sub();
    }
  }

  void wrong_type(std::string_view what) {
    RedisMetrics::get().wrong_type.inc();
    spdlog::error("redis {} {}: pub/sub reply of unexpected shape ({}); ignored", name(), endpoint().to_string(),
                  what);
  }

  void schedule_retry(const std::string& ch) {
    retry.insert(ch);
    if (retry_armed) return;
    retry_armed = true;
    retry_timer.expires_after(next_backoff());
    retry_timer.async_wait([s = self()](boost::system::error_code ec) {
      s->retry_armed = false;
      if (ec || s->closed()) return;
      auto r = std::move(s->retry);
      s->retry.clear();
      for (auto& c : r)
        if (s->wanted.count(c) && !s->sent.count(c)) s->mark(c);
    });
  }

  void on_error_reply(const Reply& r) {
    if (cmds.empty()) return wrong_type("an error reply with no command waiting: " + r.str);
    Cmd c = std::move(cmds.front());
    cmds.pop_front();
    if (c.ping) return;
    spdlog::warn("redis {} {}: {} of {} channel(s) failed: {}", name(), endpoint().to_string(),
                 c.sub ? "subscribe" : "unsubscribe", c.channels.size(), r.str);
    const auto gen = generation();
    for (auto& ch : c.channels) {
      if (!c.sub) {
        if (auto it = unsub_acks.find(ch); it != unsub_acks.end() && --it->second == 0) unsub_acks.erase(it);
        continue;
      }
      sent.erase(ch);
      if (!wanted.count(ch)) continue;
      h->on_interrupted(ch);
      if (closed() || gen != generation()) return;
      schedule_retry(ch);
    }
    if (!timer_armed) arm();
  }

  void on_reply(Reply& r) override {
    activity = true;
    if (r.is_error()) return on_error_reply(r);
    if (pong(r)) return;
    if (!r.is_array() || r.elements.size() < 3 || !r.elements[0].is_string())
      return wrong_type(r.is_array() ? "array of " + std::to_string(r.elements.size()) : "not an array");
    auto& e = r.elements;
    if (kind_is(e[0], "message") || kind_is(e[0], "smessage")) {
      if (!e[1].is_string() || !e[2].is_string()) return wrong_type("message without channel/payload strings");
      RedisMetrics::get().messages.inc();
      if (wanted.count(e[1].str)) h->on_message(e[1].str, e[2].str);
      return;
    }
    if (kind_is(e[0], "pmessage")) return;  // no pattern subscriptions here
    const bool sub = kind_is(e[0], "subscribe") || kind_is(e[0], "ssubscribe");
    const bool unsub = kind_is(e[0], "unsubscribe") || kind_is(e[0], "sunsubscribe");
    if (!sub && !unsub) return wrong_type("kind '" + e[0].str + "'");
    if (!e[1].is_string()) return wrong_type("(un)subscribe without a channel name");
    const std::string& ch = e[1].str;
    if (sub) {
      confirm(true);
      set_confirmed(ch, true);
      if (wanted.count(ch) && sent.count(ch)) h->on_subscribed(ch);
      return;
    }
    if (auto it = unsub_acks.find(ch); it != unsub_acks.end()) {  // ours
      if (--it->second == 0) unsub_acks.erase(it);
      confirm(false);
      set_confirmed(ch, false);
      return;
    }
    // Pushed by the server (slot migration): resubscribe after a short delay.
    set_confirmed(ch, false);
    sent.erase(ch);
    if (!wanted.count(ch)) return;
    spdlog::info("redis {} {}: the server unsubscribed '{}'; resubscribing", name(), endpoint().to_string(), ch);
    h->on_interrupted(ch);
    if (!closed()) schedule_retry(ch);
  }

  void reset_state() {
    RedisMetrics::get().subscriptions.sub(static_cast<std::int64_t>(confirmed.size()));
    confirmed.clear();
    sent.clear();
    dirty.clear();
    cmds.clear();
    unsub_acks.clear();
    timer.cancel();
    heartbeat.cancel();
  }

  void on_up() override {
    reset_state();
    activity = false;
    beat(generation());
    for (auto& ch : wanted) dirty.insert(ch);
    flush();
  }

  void on_down(Errc) override {
    reset_state();
    std::vector<std::string> chans(wanted.begin(), wanted.end());
    const auto gen = generation();
    for (auto& ch : chans) {
      if (closed() || gen != generation()) return;
      if (wanted.count(ch)) h->on_interrupted(ch);
    }
  }

  void close() {
    if (closed()) return;
    shutdown();
    reset_state();
    retry_timer.cancel();
  }
};

PubSubConnection::PubSubConnection(asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg,
                                   SubscriberHandler& h, bool sharded, std::string name)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(ep), cfg, h, sharded, std::move(name))) {
  impl_->start();
}

PubSubConnection::~PubSubConnection() { impl_->close(); }

void PubSubConnection::subscribe(std::string_view channel) { impl_->subscribe(channel); }
void PubSubConnection::unsubscribe(std::string_view channel) { impl_->unsubscribe(channel); }
bool PubSubConnection::up() const { return impl_->up(); }
std::size_t PubSubConnection::channels() const { return impl_->wanted.size(); }
const Endpoint& PubSubConnection::endpoint() const { return impl_->endpoint(); }
void PubSubConnection::close() { impl_->close(); }

}  // namespace strata::redis

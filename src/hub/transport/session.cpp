// The transport-neutral hub client (transport/session.hpp).
#include "hub/transport/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "config/hub.hpp"
#include "hub/channel_name.hpp"
#include "hub/protocol/command.hpp"
#include "hub/protocol/reply.hpp"

namespace strata::hub::transport {
namespace {

using protocol::Method;

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool anonymous_anywhere(const config::HubConfig& cfg) {
  for (const auto& n : cfg.namespaces)
    if (n.anonymous) return true;
  return false;
}

}  // namespace

UrlParams parse_url_params(std::string_view target) {
  UrlParams p;
  auto q = target.find('?');
  if (q == std::string_view::npos) return p;
  std::string_view query = target.substr(q + 1);
  if (auto h = query.find('#'); h != std::string_view::npos) query = query.substr(0, h);
  std::string since;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::string value = eq == std::string_view::npos ? std::string() : decode(kv.substr(eq + 1));
    if (key == "token") {
      p.token = std::move(value);
    } else if (key == "channels") {
      std::string_view rest = value;
      while (true) {
        auto comma = rest.find(',');
        std::string_view c = rest.substr(0, comma);
        if (c.empty()) p.bad = true;
        else p.channels.emplace_back(c);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
    } else if (key == "since") {
      since = std::move(value);
    }
  }
  if (!since.empty()) {
    p.since = protocol::parse_position(since);
    if (!p.since) p.bad = true;
  }
  return p;
}

void HubEnv::add(Session& s) {
  s.reg_next_ = head_;
  if (head_) head_->reg_prev_ = &s;
  head_ = &s;
  ++count_;
  if (live) live->fetch_add(1, std::memory_order_relaxed);
}

void HubEnv::remove(Session& s) {
  if (s.reg_prev_) s.reg_prev_->reg_next_ = s.reg_next_;
  else if (head_ == &s) head_ = s.reg_next_;
  else return;  // not registered
  if (s.reg_next_) s.reg_next_->reg_prev_ = s.reg_prev_;
  s.reg_prev_ = s.reg_next_ = nullptr;
  --count_;
  if (live) live->fetch_sub(1, std::memory_order_relaxed);
}

void HubEnv::schedule_drain(Session& s) {
  if (s.closed_) return;
  s.draining_ = true;
  const auto span = spread_.count();
  // The deadline node is reused: connect timeout / token expiry no longer matter.
  std::chrono::milliseconds at(span > 0 ? static_cast<long long>(std::rand() % (span + 1)) : 0);
  hub->wheel().schedule(s.deadline_, at);
}

void HubEnv::drain(std::chrono::milliseconds spread) {
  draining_ = true;
  spread_ = spread;
  for (Session* s = head_; s; s = s->reg_next_) schedule_drain(*s);
}

void HubEnv::close_all() {
  // disconnect() may unregister sessions synchronously: restart after each.
  for (std::size_t guard = count_ + 1; head_ && guard > 0; --guard) {
    Session* s = head_;
    s->disconnect(close_code::reconnect, "reconnect");
    s->close_session();
    s->cancel_timers();
    remove(*s);
  }
}

Session::Session(HubEnv& env, bool accepts_commands)
    : Client(env.hub->next_client_id(), {}, {}), env_(&env), accepts_commands_(accepts_commands) {
  deadline_.set(&Session::on_deadline, this);
  env.add(*this);
  if (env.draining()) env.schedule_drain(*this);
}

Session::~Session() {
  if (alive_) *alive_ = nullptr;
  env_->remove(*this);
}

std::int64_t Session::unix_now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<Session*> Session::alive() {
  if (!alive_) alive_ = std::make_shared<Session*>(this);
  return alive_;
}

void Session::send_subscribed(std::string_view channel, const SubscribeResult& r) {
  send_text(protocol::subscribe_push(channel, r));
}

void Session::subscribe_failed(std::string_view, Error e) {
  disconnect(e == Error::permission_denied ? close_code::forbidden : close_code::bad_request,
             error_message(e));
}

bool Session::open(UrlParams params) {
  if (params.bad) {
    disconnect(close_code::bad_request, "bad URL parameters");
    return false;
  }
  std::vector<std::string> channels = std::move(params.channels);
  if (!params.token.empty()) {
    TokenInfo t = env_->verifier ? env_->verifier->verify(params.token) : TokenInfo{};
    if (t.status != TokenInfo::Status::ok) {
      disconnect(t.status == TokenInfo::Status::expired ? close_code::token_expired
                                                        : close_code::unauthorized,
                 t.status == TokenInfo::Status::expired ? "token expired" : "unauthorized");
      return false;
    }
    connect_with(t, 0);
    for (auto& c : t.channels)
      if (std::find(channels.begin(), channels.end(), c) == channels.end()) channels.push_back(c);
  } else if (anonymous_anywhere(hub().config())) {
    connect_with(TokenInfo{TokenInfo::Status::ok}, 0);
  } else if (!accepts_commands_) {  // SSE cannot send `connect` later
    disconnect(close_code::unauthorized, "unauthorized");
    return false;
  } else {
    arm_deadline();  // connect within client_timeout
    return true;
  }
  if (closed_) return false;
  // since= recovers only a single-channel URL subscription.
  subscribe_server_side(channels, channels.size() == 1 ? params.since : std::nullopt);
  return !closed_;
}

void Session::connect_with(const TokenInfo& t, std::uint64_t reply_id) {
  set_identity(t.user, t.info);
  connected_ = true;
  exp_ = t.exp;
  if (reply_id)
    send_text(protocol::result_reply(
        reply_id, protocol::connect_result(id(), user(), exp_ ? std::max<std::int64_t>(0, exp_ - unix_now()) : -1)));
  on_connected();
  arm_deadline();
}

void Session::arm_deadline() {
  if (draining_) return;
  auto& wheel = hub().wheel();
  if (!connected_) {
    wheel.schedule(deadline_, hub().config().client_timeout);
  } else if (exp_) {
    auto left = std::max<std::int64_t>(0, exp_ - unix_now());
    wheel.schedule(deadline_, std::chrono::seconds(left) + std::chrono::milliseconds(1));
  } else {
    wheel.cancel(deadline_);
  }
}

void Session::on_deadline(void* self) {
  auto* s = static_cast<Session*>(self);
  if (s->closed_) return;
  if (s->draining_) {
    s->disconnect(close_code::reconnect, "reconnect");
  } else if (!s->connected_) {
    s->disconnect(close_code::unauthorized, "connect timeout");
  } else if (s->exp_ && s->unix_now() >= s->exp_) {
    s->disconnect(close_code::token_expired, "token expired");
  } else {
    s->arm_deadline();
  }
}

void Session::subscribe_server_side(const std::vector<std::string>& channels,
                                    const std::optional<Position>& since) {
  for (const auto& ch : channels) {
    if (closed_) return;
    if (has_sub(ch)) continue;
    if (subs_.size() >= hub().config().max_channels_per_client) {
      subscribe_failed(ch, Error::limit_exceeded);
      continue;
    }
    subs_.push_back(ch);
    hub().subscribe(*this, ch, since, [this, ch](SubscribeResult r) {
      if (closed_) return;
      if (r.error != Error::none) {
        drop_sub(ch);
        subscribe_failed(ch, r.error);
        return;
      }
      send_subscribed(ch, r);
      if (r.recovered)
        for (const auto& p : r.missed) push(p, p->skip_to_latest);
    });
  }
}

void Session::unsubscribed(std::string_view channel) {
  if (closed_ || !has_sub(channel)) return;
  drop_sub(channel);
  send_text(protocol::unsubscribe_push(channel));
}

void Session::cancel_timers() { hub().wheel().cancel(deadline_); }

void Session::close_session() {
  if (closed_) return;
  closed_ = true;
  hub().wheel().cancel(deadline_);
  hub().remove(*this);
  env_->remove(*this);
  subs_.clear();
  if (alive_) *alive_ = nullptr;
}

bool Session::has_sub(std::string_view channel) const {
  return std::find(subs_.begin(), subs_.end(), channel) != subs_.end();
}

void Session::drop_sub(std::string_view channel) {
  auto it = std::find(subs_.begin(), subs_.end(), channel);
  if (it != subs_.end()) subs_.erase(it);
}

void Session::on_message(std::string_view text) {
  if (closed_ || !accepts_commands_) return;
  auto r = protocol::parse_command(text, hub().config().max_message);
  if (r.kind == protocol::ParseResult::Kind::close) {
    disconnect(close_code::bad_request, r.message);
    return;
  }
  const auto id = r.command.id;
  if (r.kind == protocol::ParseResult::Kind::error) {
    send_text(protocol::error_reply(id, r.error, r.message));
    return;
  }
  auto& c = r.command;
  if (c.method == Method::connect) {
    if (explicit_connect_ || (connected_ && (!subs_.empty() || !user().empty()))) {
      send_text(protocol::error_reply(id, Error::bad_request, "already connected"));
      return;
    }
    explicit_connect_ = true;
    if (c.token.empty()) {
      if (!anonymous_anywhere(hub().config())) {
        send_text(protocol::error_reply(id, Error::unauthorized));
        disconnect(close_code::unauthorized, "unauthorized");
        return;
      }
      connect_with(TokenInfo{TokenInfo::Status::ok}, id);
      return;
    }
    TokenInfo t = env_->verifier ? env_->verifier->verify(c.token) : TokenInfo{};
    if (t.status != TokenInfo::Status::ok) {
      const bool expired = t.status == TokenInfo::Status::expired;
      send_text(protocol::error_reply(id, expired ? Error::token_expired : Error::unauthorized));
      disconnect(expired ? close_code::token_expired : close_code::unauthorized,
                 expired ? "token expired" : "unauthorized");
      return;
    }
    connect_with(t, id);
    subscribe_server_side(t.channels, std::nullopt);
    return;
  }
  if (c.method == Method::ping) {
    send_text(protocol::result_reply(id, "{}"));
    return;
  }
  if (!connected_) {
    send_text(protocol::error_reply(id, Error::unauthorized, "connect first"));
    return;
  }
  switch (c.method) {
    case Method::subscribe:
      cmd_subscribe(id, std::move(c.channel), std::move(c.since), c.token);
      return;
    case Method::unsubscribe:
      if (!has_sub(c.channel)) {
        send_text(protocol::error_reply(id, Error::not_subscribed));
        return;
      }
      drop_sub(c.channel);
      hub().unsubscribe(*this, c.channel);
      send_text(protocol::result_reply(id, "{}"));
      return;
    case Method::publish:
      cmd_publish(id, std::move(c.channel), std::move(c.data));
      return;
    case Method::presence:
      cmd_presence(id, c.channel);
      return;
    case Method::history:
      cmd_history(id, c.channel, std::move(c.since), c.limit);
      return;
    default:
      return;
  }
}

void Session::cmd_subscribe(std::uint64_t id, std::string channel, std::optional<Position> since,
                            std::string_view token) {
  const auto& cfg = hub().config();
  ChannelName name;
  const config::HubNamespace* ns = nullptr;
  if (auto e = parse_channel(channel, cfg, name, &ns); e != Error::none) {
    send_text(protocol::error_reply(id, e));
    return;
  }
  if (has_sub(channel)) {
    send_text(protocol::error_reply(id, Error::already_subscribed));
    return;
  }
  if (subs_.size() >= cfg.max_channels_per_client) {
    send_text(protocol::error_reply(id, Error::limit_exceeded, "too many channels"));
    return;
  }
  if (ns && ns->private_channels) {
    if (token.empty()) {
      send_text(protocol::error_reply(id, Error::permission_denied, "subscribe token needed"));
      return;
    }
    TokenInfo t = env_->verifier ? env_->verifier->verify(token) : TokenInfo{};
    if (t.status == TokenInfo::Status::expired) {
      send_text(protocol::error_reply(id, Error::token_expired));
      return;
    }
    if (t.status != TokenInfo::Status::ok || t.channel != channel || t.user != user()) {
      send_text(protocol::error_reply(id, Error::permission_denied));
      return;
    }
  }
  const bool recoverable = ns && ns->history_size > 0;
  subs_.push_back(channel);
  hub().subscribe(*this, channel, std::move(since),
                  [this, id, channel, recoverable](SubscribeResult r) {
                    if (closed_) return;
                    if (r.error != Error::none) {
                      drop_sub(channel);
                      send_text(protocol::error_reply(id, r.error));
                      return;
                    }
                    send_text(protocol::result_reply(id, protocol::subscribe_result(r, recoverable)));
                    if (r.recovered)
                      for (const auto& p : r.missed) push(p, p->skip_to_latest);
                  });
}

void Session::cmd_publish(std::uint64_t id, std::string channel, std::string data) {
  const auto& cfg = hub().config();
  ChannelName name;
  const config::HubNamespace* ns = nullptr;
  if (auto e = parse_channel(channel, cfg, name, &ns); e != Error::none) {
    send_text(protocol::error_reply(id, e));
    return;
  }
  if (!ns || !ns->client_publish) {
    send_text(protocol::error_reply(id, Error::permission_denied));
    return;
  }
  PublishRequest req{std::move(channel), std::move(data), this};
  hub().publish(std::move(req), [a = alive(), id](PublishResult r) {
    Session* s = *a;
    if (!s || s->closed_) return;
    if (r.error != Error::none) s->send_text(protocol::error_reply(id, r.error));
    else s->send_text(protocol::result_reply(id, protocol::publish_result(r)));
  });
}

void Session::cmd_presence(std::uint64_t id, const std::string& channel) {
  hub().presence(channel, [a = alive(), id](PresenceResult r) {
    Session* s = *a;
    if (!s || s->closed_) return;
    if (r.error != Error::none) s->send_text(protocol::error_reply(id, r.error));
    else s->send_text(protocol::result_reply(id, protocol::presence_result(r)));
  });
}

void Session::cmd_history(std::uint64_t id, const std::string& channel, std::optional<Position> since,
                          std::uint32_t limit) {
  hub().history(channel, std::move(since), limit, [a = alive(), id](HistoryResult r) {
    Session* s = *a;
    if (!s || s->closed_) return;
    if (r.error != Error::none) s->send_text(protocol::error_reply(id, r.error));
    else s->send_text(protocol::result_reply(id, protocol::history_result(r)));
  });
}

}  // namespace strata::hub::transport

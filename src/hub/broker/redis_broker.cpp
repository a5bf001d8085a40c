#include "hub/broker/redis_broker.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "hub/broker/payload.hpp"
#include "hub/broker/scripts.hpp"
#include "hub/hub_metrics.hpp"

namespace strata::hub::broker {
namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

bool parse_u64(std::string_view s, std::uint64_t& v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

// An integer reply, or a string holding one.
bool as_u64(const redis::Reply& r, std::uint64_t& v) {
  if (r.is_integer()) {
    if (r.integer < 0) return false;
    v = std::uint64_t(r.integer);
    return true;
  }
  return r.is_string() && parse_u64(r.str, v);
}

void bad(std::string_view what) {
  HubMetrics::get().broker_bad_replies.inc();
  static std::uint64_t n = 0;  // log the first few, then every 1000th
  if (n++ < 10 || n % 1000 == 0) spdlog::warn("hub broker: malformed {} from Redis", what);
}

}  // namespace

Status status_of(const redis::Result& r) {
  if (r.err == redis::Errc::ok) return r.reply.is_error() ? Status::failed : Status::ok;
  if (r.err == redis::Errc::protocol || r.err == redis::Errc::redirected) return Status::failed;
  return Status::unavailable;
}

RedisBroker::RedisBroker(std::unique_ptr<redis::Client> client, boost::asio::any_io_executor ex, std::string prefix,
                         unsigned partitions, std::chrono::milliseconds meta_ttl)
    : client_(std::move(client)),
      ex_(std::move(ex)),
      names_(std::move(prefix), partitions, client_->sharded()),
      meta_ttl_(meta_ttl) {
  client_->set_handler(this);
}

void RedisBroker::eval(const std::string& route, const redis::Script& s, std::vector<std::string> keys,
                       std::vector<std::string> args, std::function<void(redis::Result)> cb) {
  auto inside = std::make_shared<bool>(true);
  client_->eval(route, s, std::move(keys), std::move(args),
                [inside, ex = ex_, cb = std::move(cb)](redis::Result r) mutable {
                  if (*inside) {
                    boost::asio::post(ex, [cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
                  } else {
                    cb(std::move(r));
                  }
                });
  *inside = false;
}

RedisBroker::~RedisBroker() { client_->close(); }

bool RedisBroker::up(std::string_view channel) const { return client_->up(names_.route(channel)); }

void RedisBroker::subscribe(std::string_view channel) {
  auto k = names_.keys(channel);
  client_->subscribe(k.route, k.pubsub);
}

void RedisBroker::unsubscribe(std::string_view channel) {
  auto k = names_.keys(channel);
  client_->unsubscribe(k.route, k.pubsub);
}

void RedisBroker::publish(std::string_view channel, std::string_view data, std::int64_t published_us,
                          const StreamOptions& opt, const std::string& new_epoch,
                          std::function<void(Status, Position)> done) {
  auto k = names_.keys(channel);
  std::vector<std::string> args{std::string(data),
                                num(std::uint64_t(published_us)),
                                num(opt.history_size),
                                num(std::uint64_t(opt.history_ttl.count())),
                                new_epoch,
                                num(std::uint64_t(meta_ttl_.count())),
                                k.pubsub,
                                client_->sharded() ? "spublish" : "publish"};
  eval(k.route, publish_script(), {k.stream, k.meta}, std::move(args),
                [done = std::move(done)](redis::Result r) {
                  Status st = status_of(r);
                  Position pos;
                  if (st == Status::ok) {
                    const auto& a = r.reply;
                    if (!a.is_array() || a.elements.size() != 2 || !as_u64(a.elements[0], pos.offset) ||
                        !a.elements[1].is_string()) {
                      bad("publish reply");
                      st = Status::failed;
                    } else {
                      pos.epoch = a.elements[1].str;
                    }
                  } else if (st == Status::failed) {
                    spdlog::warn("hub broker: publish failed: {}", r.error_text());
                  }
                  done(st, std::move(pos));
                });
}

void RedisBroker::read(std::string_view channel, const ReadRequest& req, std::function<void(ReadResult)> done) {
  auto k = names_.keys(channel);
  std::vector<std::string> args{req.create_epoch, num(std::uint64_t(meta_ttl_.count())),
                                num(req.newest ? 0 : req.from), num(req.to), num(req.limit),
                                req.newest ? "1" : "0"};
  eval(k.route, read_script(), {k.stream, k.meta}, std::move(args),
                [done = std::move(done)](redis::Result r) {
                  ReadResult out;
                  out.status = status_of(r);
                  if (out.status != Status::ok) {
                    if (out.status == Status::failed) spdlog::warn("hub broker: read failed: {}", r.error_text());
                    done(std::move(out));
                    return;
                  }
                  const auto& a = r.reply;
                  bool ok = a.is_array() && a.elements.size() >= 2 && (a.elements.size() - 2) % 3 == 0 &&
                            as_u64(a.elements[0], out.top.offset) && a.elements[1].is_string();
                  if (ok) out.top.epoch = a.elements[1].str;
                  for (std::size_t i = 2; ok && i < a.elements.size(); i += 3) {
                    Pub p;
                    const auto& id = a.elements[i];
                    std::uint64_t ts = 0;
                    ok = id.is_string() && a.elements[i + 1].is_string() && as_u64(a.elements[i + 2], ts);
                    if (!ok) break;
                    auto dash = id.str.find('-');
                    ok = dash != std::string::npos && parse_u64(std::string_view(id.str).substr(0, dash), p.offset);
                    p.epoch = out.top.epoch;
                    p.published_us = std::int64_t(ts);
                    p.data = a.elements[i + 1].str;
                    out.pubs.push_back(std::move(p));
                  }
                  if (!ok) {
                    bad("read reply");
                    out = ReadResult{};
                    out.status = Status::failed;
                  } else if (!out.pubs.empty() && out.pubs.size() > 1 &&
                             out.pubs.front().offset > out.pubs.back().offset) {
                    std::reverse(out.pubs.begin(), out.pubs.end());  // XREVRANGE
                  }
                  done(std::move(out));
                });
}

void RedisBroker::presence_add(std::string_view channel, const std::vector<PresenceMember>& members,
                               std::chrono::milliseconds ttl) {
  if (members.empty()) return;
  auto k = names_.keys(channel);
  std::vector<std::string> args;
  args.reserve(1 + 3 * members.size());
  args.push_back(num(std::uint64_t(ttl.count())));
  for (const auto& m : members) {
    args.push_back(num(m.client));
    args.push_back(encode_member(m.user, m.info));
    args.push_back(m.user);
  }
  client_->eval(k.route, presence_add_script(), {k.presence, k.presence_expiry, k.presence_users},
                std::move(args), [](redis::Result) {});
}

void RedisBroker::presence_remove(std::string_view channel, ClientId client, std::string_view user) {
  auto k = names_.keys(channel);
  client_->eval(k.route, presence_remove_script(), {k.presence, k.presence_expiry, k.presence_users},
                {num(client), std::string(user)}, [](redis::Result) {});
}

void RedisBroker::presence_get(std::string_view channel, std::function<void(Status, PresenceResult)> done) {
  auto k = names_.keys(channel);
  eval(k.route, presence_get_script(), {k.presence, k.presence_expiry, k.presence_users}, {},
                [done = std::move(done)](redis::Result r) {
                  Status st = status_of(r);
                  PresenceResult out;
                  if (st == Status::ok) {
                    const auto& a = r.reply;
                    bool ok = a.is_array() && a.elements.size() == 2 && a.elements[0].is_integer() &&
                              a.elements[1].is_array() && a.elements[1].elements.size() % 2 == 0;
                    if (ok) {
                      out.num_users = std::uint64_t(std::max<long long>(0, a.elements[0].integer));
                      const auto& kv = a.elements[1].elements;
                      for (std::size_t i = 0; ok && i < kv.size(); i += 2) {
                        PresenceEntry e;
                        ok = kv[i].is_string() && kv[i + 1].is_string() && parse_u64(kv[i].str, e.client) &&
                             decode_member(kv[i + 1].str, e.user, e.info);
                        if (ok) out.clients.push_back(std::move(e));
                      }
                      out.num_clients = out.clients.size();
                    }
                    if (!ok) {
                      bad("presence reply");
                      out = PresenceResult{};
                      st = Status::failed;
                    }
                  }
                  done(st, std::move(out));
                });
}

void RedisBroker::send_event(std::string_view channel, std::string payload) {
  auto k = names_.keys(channel);
  client_->command(k.route, {client_->sharded() ? "SPUBLISH" : "PUBLISH", k.pubsub, std::move(payload)},
                   [](redis::Result) {});
}

void RedisBroker::send_join(std::string_view channel, ClientId client, std::string_view user,
                            std::string_view info) {
  send_event(channel, encode_join(client, user, info));
}

void RedisBroker::send_leave(std::string_view channel, ClientId client, std::string_view user) {
  send_event(channel, encode_leave(client, user));
}

void RedisBroker::on_message(std::string_view pubsub, std::string_view payload) {
  std::string_view channel = names_.channel_of(pubsub);
  Message m;
  if (channel.empty() || !decode(payload, m)) {
    bad("pub/sub message");
    return;
  }
  if (!events_) return;
  switch (m.kind) {
    case Message::Kind::publication: events_->on_publication(channel, std::move(m.pub)); break;
    case Message::Kind::join: events_->on_join(channel, m.client, m.user, m.info); break;
    case Message::Kind::leave: events_->on_leave(channel, m.client, m.user); break;
  }
}

void RedisBroker::on_subscribed(std::string_view pubsub) {
  std::string_view channel = names_.channel_of(pubsub);
  if (!channel.empty() && events_) events_->on_subscribed(channel);
}

void RedisBroker::on_interrupted(std::string_view pubsub) {
  std::string_view channel = names_.channel_of(pubsub);
  if (!channel.empty() && events_) events_->on_interrupted(channel);
}

}  // namespace strata::hub::broker

#include "hub/broker/broker_owner.hpp"

#include <spdlog/spdlog.h>

#include "config/hub.hpp"
#include "core/clock.hpp"
#include "hub/hub_metrics.hpp"
#include "hub/push_build.hpp"

namespace strata::hub::broker {

BrokerOwner::BrokerOwner(unsigned workers, const core::Clock& clock, FanOut& out, Broker& broker, Options opt)
    : workers_(workers),
      clock_(clock),
      out_(out),
      broker_(broker),
      opt_(std::move(opt)),
      rng_(std::random_device{}()),
      last_refresh_(clock.now()) {
  broker_.set_events(this);
}

BrokerOwner::~BrokerOwner() {
  broker_.set_events(nullptr);
  HubMetrics::get().channels.sub(std::int64_t(channels_.size()));
}

std::string BrokerOwner::new_epoch() {
  return epoch_from(rng_());
}

std::string BrokerOwner::local_epoch(const Channel& ch) {
  const std::string& e = ch.cache.epoch();
  if (e.find('~') != std::string::npos) return e;  // already local
  return (e.empty() ? new_epoch() : e) + "~" + opt_.node;
}

BrokerOwner::Channel* BrokerOwner::find(std::string_view name) {
  auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : &it->second;
}

BrokerOwner::Channel* BrokerOwner::still(std::string_view name, std::uint64_t id) {
  Channel* ch = find(name);
  return ch && ch->id == id ? ch : nullptr;
}

BrokerOwner::Channel& BrokerOwner::get(std::string_view name, const config::HubNamespace& ns) {
  auto it = channels_.find(name);
  if (it == channels_.end()) {
    it = channels_.try_emplace(std::string(name), ++ids_, workers_).first;
    HubMetrics::get().channels.add();
  }
  Channel& ch = it->second;
  ch.cache.configure(ns.history_size, ns.history_ttl, ns.latest_only);
  ch.presence_on = ns.presence;
  ch.join_leave = ns.join_leave;
  ch.skip_to_latest = ns.slow_consumer == config::SlowConsumer::skip_to_latest;
  ch.stream = StreamOptions{ns.latest_only ? 1u : ns.history_size, ns.history_ttl};
  return ch;
}

void BrokerOwner::maybe_free(Map::iterator it) {
  Channel& ch = it->second;
  if (ch.subscribers || !ch.waiters.empty() || ch.busy || ch.state != State::unsubscribed) return;
  ch.cache.prune(clock_.now());
  // A diverged channel keeps its local history (served while the store is down).
  if (ch.diverged && !ch.cache.empty()) return;
  channels_.erase(it);
  HubMetrics::get().channels.sub();
}

void BrokerOwner::broadcast(Channel& ch, const PushPtr& p) {
  for (unsigned w = 0; w < workers_; ++w)
    if (ch.per_worker[w]) out_.fan_out(w, p);
}

std::vector<PushPtr> BrokerOwner::to_pushes(std::string_view name, const Channel& ch,
                                            const std::vector<Pub>& pubs) const {
  std::vector<PushPtr> v;
  v.reserve(pubs.size());
  for (const auto& p : pubs)
    v.push_back(make_publication(name, p.offset, p.epoch, p.data, p.published_us, ch.skip_to_latest));
  return v;
}

// ---- subscribe / unsubscribe ----

bool BrokerOwner::ready(std::string_view name, const Channel& ch) const {
  if (ch.busy) return false;
  if (ch.state == State::live || ch.state == State::interrupted) return true;
  // Subscribing/syncing: wait for the store, unless it is down (AP: answer locally).
  return ch.state == State::subscribing && !broker_.up(name);
}

void BrokerOwner::subscribe(std::string_view channel, const config::HubNamespace& ns, const OwnerSubscriber& s,
                            const std::optional<Position>& since, SubscribeReply reply) {
  Channel& ch = get(channel, ns);
  if (ch.state == State::unsubscribed) {
    ch.state = State::subscribing;
    broker_.subscribe(channel);
  }
  Waiter w{++ids_, s, since, std::move(reply), clock_.now()};
  if (ch.waiters.empty() && ready(channel, ch)) {
    serve(channel, ch, std::move(w));
  } else {
    ch.waiters.push_back(std::move(w));
  }
}

// Answers one subscribe request from the channel's current position (or,
// when the cache does not cover `since`, after reading the stream).
void BrokerOwner::serve(std::string_view name, Channel& ch, Waiter w) {
  SubscribeResult r;
  if (ch.cache.epoch().empty()) {
    // Never synced and the store is down: positions start locally.
    ch.cache.restart(local_epoch(ch), 0);
  }
  r.position = ch.cache.position();
  if (w.since) {
    r.recovery_asked = true;
    const Position& since = *w.since;
    if (since.epoch == r.position.epoch && since.offset <= r.position.offset) {
      r.recovered = ch.cache.recover(since, clock_.now(), r.missed);
      if (!r.recovered && ch.state == State::live && !ch.diverged && broker_.up(name)) {
        // Read since+1 .. position from the stream; messages wait meanwhile.
        ++ch.busy;
        w.reading = true;
        std::uint64_t wid = w.id;
        ch.waiters.insert(ch.waiters.begin(), std::move(w));
        ReadRequest req;
        req.from = since.offset + 1;
        req.to = r.position.offset;
        broker_.read(name, req,
                     [this, life = std::weak_ptr<int>(life_), name = std::string(name), id = ch.id, wid,
                      r = std::move(r)](ReadResult rr) mutable {
                       if (life.expired()) return;
                       Channel* c = still(name, id);
                       if (!c) return;
                       --c->busy;
                       auto it = std::find_if(c->waiters.begin(), c->waiters.end(),
                                              [&](const Waiter& x) { return x.id == wid; });
                       if (it != c->waiters.end()) {
                         Waiter w = std::move(*it);
                         c->waiters.erase(it);
                         if (w.cancelled) {
                           SubscribeResult err;
                           err.error = Error::not_subscribed;
                           w.reply(std::move(err));
                           if (release_if_idle(name)) return;
                         } else {
                           bool all = rr.status == Status::ok && rr.top.epoch == r.position.epoch &&
                                      rr.pubs.size() == r.position.offset - w.since->offset;
                           for (std::size_t i = 0; all && i < rr.pubs.size(); ++i)
                             all = rr.pubs[i].offset == w.since->offset + 1 + i;
                           r.recovered = all;
                           if (all) r.missed = to_pushes(name, *c, rr.pubs);
                           admit(name, *c, w, std::move(r));
                         }
                       }
                       resume(name, *c);
                     });
        return;
      }
    } else {
      r.recovered = false;
    }
  }
  admit(name, ch, w, std::move(r));
}

// Registers the subscriber and sends its reply (then its join).
void BrokerOwner::admit(std::string_view name, Channel& ch, const Waiter& w, SubscribeResult r) {
  if (r.recovery_asked) (r.recovered ? HubMetrics::get().recovered : HubMetrics::get().not_recovered).inc();
  ++ch.per_worker[w.s.worker];
  ++ch.subscribers;
  bool up = broker_.up(name);
  if (ch.presence_on) {
    if (!ch.presence) ch.presence = std::make_unique<Presence>();
    ch.presence->join(w.s.client, w.s.user, w.s.info);
    if (up) broker_.presence_add(name, {PresenceMember{w.s.client, w.s.user, w.s.info}}, opt_.presence_ttl);
  }
  w.reply(std::move(r));
  if (ch.join_leave) {
    if (up) {
      broker_.send_join(name, w.s.client, w.s.user, w.s.info);
    } else {
      broadcast(ch, make_join(name, w.s.client, w.s.user, w.s.info));
    }
  }
}

void BrokerOwner::unsubscribe(std::string_view channel, ClientId client, std::string_view user, unsigned worker) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  Channel& ch = it->second;
  // A subscribe still waiting: it is this one (one subscription per client and channel).
  for (auto w = ch.waiters.begin(); w != ch.waiters.end(); ++w) {
    if (w->s.client != client || w->s.worker != worker || w->cancelled) continue;
    if (w->reading) {
      w->cancelled = true;  // its read's callback answers
    } else {
      Waiter x = std::move(*w);
      ch.waiters.erase(w);
      SubscribeResult err;
      err.error = Error::not_subscribed;
      x.reply(std::move(err));
    }
    release_if_idle(channel);
    return;
  }
  if (ch.per_worker[worker] == 0) return;
  --ch.per_worker[worker];
  --ch.subscribers;
  bool up = broker_.up(channel);
  if (ch.presence && ch.presence->leave(client)) {
    if (up) broker_.presence_remove(channel, client, user);
    if (ch.presence->clients() == 0) ch.presence.reset();
  }
  if (ch.join_leave) {
    if (up) {
      broker_.send_leave(channel, client, user);
    } else if (ch.subscribers > 0) {
      broadcast(ch, make_leave(channel, client, user));
    }
  }
  release_if_idle(channel);
}

bool BrokerOwner::release_if_idle(std::string_view channel) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return true;
  Channel& ch = it->second;
  if (ch.subscribers || !ch.waiters.empty()) return false;
  if (ch.state != State::unsubscribed) {
    broker_.unsubscribe(channel);
    ch.state = State::unsubscribed;
  }
  ch.held.clear();
  ch.resync_needed = false;
  maybe_free(it);
  return channels_.find(channel) == channels_.end();
}

// ---- the subscription's life ----

void BrokerOwner::on_subscribed(std::string_view channel) {
  Channel* ch = find(channel);
  if (!ch || ch->state == State::unsubscribed) return;
  start_sync(channel, *ch);
}

void BrokerOwner::on_interrupted(std::string_view channel) {
  Channel* ch = find(channel);
  if (!ch || ch->state == State::unsubscribed) return;
  ch->state = State::interrupted;
  ch->sync_retry = false;  // on_subscribed comes when the subscription is back
  ch->held.clear();  // a sync on the next on_subscribed decides what was missed
  resume(channel, *ch);
}

void BrokerOwner::start_sync(std::string_view name, Channel& ch) {
  ch.state = State::syncing;
  ch.resync_needed = false;
  ++ch.busy;
  ReadRequest req;
  req.create_epoch = new_epoch();
  broker_.read(name, req, [this, life = std::weak_ptr<int>(life_), name = std::string(name), id = ch.id](ReadResult r) {
    if (life.expired()) return;
    Channel* c = still(name, id);
    if (!c) return;
    --c->busy;
    if (c->state != State::syncing) {  // unsubscribed or interrupted meanwhile
      resume(name, *c);
      return;
    }
    synced(name, *c, std::move(r));
  });
}

// The top read after (re)subscribing: decide whether local subscribers
// missed something, fill it from the stream or tell them (resync).
void BrokerOwner::synced(std::string_view name, Channel& ch, ReadResult r) {
  if (r.status != Status::ok || r.top.epoch.empty()) {
    // The store's command connection is not (yet) back, e.g. the pub/sub
    // connection reconnected first: local positions, and the sweep reads
    // the top again once the store is up.
    ch.state = State::interrupted;
    ch.sync_retry = true;
    ch.held.clear();
    resume(name, ch);
    return;
  }
  ch.sync_retry = false;
  ch.state = State::live;
  const Position have = ch.cache.position();
  if (ch.subscribers == 0) {
    // Nobody to tell: adopt the store's position.
    if (have.epoch != r.top.epoch || have.offset != r.top.offset || ch.diverged) {
      ch.cache.restart(r.top.epoch, r.top.offset);
      ch.diverged = false;
    }
  } else if (ch.diverged || have.epoch != r.top.epoch || have.offset > r.top.offset) {
    resync(name, ch, r.top);
  } else if (have.offset < r.top.offset) {
    fill_gap(name, ch, have, r.top.offset, r.top);
  }
  resume(name, ch);
}

// Reads from.offset+1 .. to from the stream and delivers it; when it is not
// all there, resyncs subscribers to `after` instead.
void BrokerOwner::fill_gap(std::string_view name, Channel& ch, Position from, std::uint64_t to, Position after) {
  ++ch.busy;
  ReadRequest req;
  req.from = from.offset + 1;
  req.to = to;
  broker_.read(name, req,
               [this, life = std::weak_ptr<int>(life_), name = std::string(name), id = ch.id, from, to,
                after = std::move(after)](ReadResult r) {
                 if (life.expired()) return;
                 Channel* c = still(name, id);
                 if (!c) return;
                 --c->busy;
                 if (c->state != State::live) {  // a sync on the next on_subscribed decides
                   resume(name, *c);
                   return;
                 }
                 bool all = r.status == Status::ok && r.top.epoch == from.epoch && c->cache.position() == from &&
                            r.pubs.size() == to - from.offset;
                 for (std::size_t i = 0; all && i < r.pubs.size(); ++i) all = r.pubs[i].offset == from.offset + 1 + i;
                 if (all) {
                   HubMetrics::get().broker_gap_recovered.inc();
                   for (const auto& p : r.pubs) deliver(name, *c, p);
                 } else if (c->cache.position().offset < after.offset || c->cache.epoch() != after.epoch) {
                   resync(name, *c, after);
                 }
                 resume(name, *c);
               });
}

void BrokerOwner::resync(std::string_view name, Channel& ch, Position at) {
  HubMetrics::get().broker_gap_not_recovered.inc();
  ch.cache.restart(at.epoch, at.offset);
  ch.diverged = false;
  if (ch.subscribers) broadcast(ch, make_resync(name, at.offset, at.epoch));
}

// Runs what waited for the channel to be idle: subscribe requests first
// (their reply names the current position), then held messages.
void BrokerOwner::resume(std::string_view name, Channel& ch) {
  while (!ch.busy) {
    if (ch.resync_needed && ch.state == State::live) {
      ch.held.clear();
      start_sync(name, ch);
      return;
    }
    auto w = std::find_if(ch.waiters.begin(), ch.waiters.end(), [](const Waiter& x) { return !x.reading; });
    if (w != ch.waiters.end() && ready(name, ch)) {
      Waiter x = std::move(*w);
      ch.waiters.erase(w);
      serve(name, ch, std::move(x));
      continue;
    }
    if (!ch.held.empty() && ch.state == State::live) {
      Pub p = std::move(ch.held.front());
      ch.held.pop_front();
      handle(name, ch, std::move(p));
      continue;
    }
    break;
  }
}

// ---- publications from the store ----

void BrokerOwner::on_publication(std::string_view channel, Pub pub) {
  Channel* ch = find(channel);
  if (!ch || ch->state == State::unsubscribed || ch->state == State::interrupted) return;
  if (ch->busy || ch->state != State::live) {
    if (ch->held.size() >= opt_.max_held) {
      ch->held.clear();
      ch->resync_needed = true;
      spdlog::warn("hub broker: channel {}: over {} messages held during a read; re-syncing", channel,
                   opt_.max_held);
      return;
    }
    ch->held.push_back(std::move(pub));
    return;
  }
  if (!ch->held.empty()) {
    ch->held.push_back(std::move(pub));
    resume(channel, *ch);
    return;
  }
  handle(channel, *ch, std::move(pub));
}

// The continuity check (the channel is live and idle).
void BrokerOwner::handle(std::string_view name, Channel& ch, Pub pub) {
  const Position last = ch.cache.position();
  if (pub.epoch == last.epoch) {
    if (pub.offset <= last.offset) {
      HubMetrics::get().broker_duplicates.inc();
      return;
    }
    if (pub.offset == last.offset + 1) {
      deliver(name, ch, pub);
      return;
    }
    // A gap: read it, then this publication (it waits at the front).
    std::uint64_t to = pub.offset - 1;
    Position after{to, pub.epoch};
    ch.held.push_front(std::move(pub));
    fill_gap(name, ch, last, to, std::move(after));
    return;
  }
  // Another epoch (the store lost the stream, or we were diverged).
  resync(name, ch, Position{pub.offset - 1, pub.epoch});
  deliver(name, ch, pub);
}

void BrokerOwner::deliver(std::string_view name, Channel& ch, const Pub& pub) {
  PushPtr p = make_publication(name, pub.offset, pub.epoch, pub.data, pub.published_us, ch.skip_to_latest);
  ch.cache.append(p, ch.cache.enabled() ? clock_.now() : History::time_point{});
  broadcast(ch, p);
}

void BrokerOwner::on_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) {
  Channel* ch = find(channel);
  if (!ch || !ch->join_leave || !ch->subscribers) return;
  broadcast(*ch, make_join(channel, client, user, info));
}

void BrokerOwner::on_leave(std::string_view channel, ClientId client, std::string_view user) {
  Channel* ch = find(channel);
  if (!ch || !ch->join_leave || !ch->subscribers) return;
  broadcast(*ch, make_leave(channel, client, user));
}

// ---- requests ----

void BrokerOwner::publish(std::string_view channel, const config::HubNamespace& ns, std::string_view data,
                          std::int64_t published_us, std::function<void(PublishResult)> done) {
  if (!broker_.up(channel)) {
    local_publish(channel, ns, data, published_us, done);
    return;
  }
  StreamOptions opt{ns.latest_only ? 1u : ns.history_size, ns.history_ttl};
  broker_.publish(channel, data, published_us, opt, new_epoch(),
                  [this, life = std::weak_ptr<int>(life_), name = std::string(channel), ns,
                   data = std::string(data), published_us, done = std::move(done)](Status st, Position pos) mutable {
                    if (life.expired()) return;
                    PublishResult r;
                    if (st == Status::ok) {
                      HubMetrics::get().broker_publish_redis.inc();
                      HubMetrics::get().publications.inc();
                      r.position = std::move(pos);
                      done(std::move(r));
                    } else {
                      // Unreachable, or an answer that is an error or
                      // malformed (a broken or misbehaving Redis): the
                      // publication still reaches this node's subscribers,
                      // in a local epoch (the AP choice, docs/hub.md).
                      if (st == Status::failed) HubMetrics::get().broker_publish_error.inc();
                      local_publish(name, ns, data, published_us, done);
                    }
                  });
}

// The store is unreachable: the position is assigned here, in a local
// epoch, and only this node's subscribers see the publication.
void BrokerOwner::local_publish(std::string_view channel, const config::HubNamespace& ns, std::string_view data,
                                std::int64_t published_us, std::function<void(PublishResult)>& done) {
  Channel& ch = get(channel, ns);
  std::string epoch = local_epoch(ch);
  if (epoch != ch.cache.epoch()) ch.cache.restart(epoch, ch.cache.offset());
  ch.diverged = true;
  Pub pub{ch.cache.offset() + 1, std::move(epoch), published_us, std::string(data)};
  deliver(channel, ch, pub);
  HubMetrics::get().broker_publish_fallback.inc();
  HubMetrics::get().publications.inc();
  PublishResult r;
  r.position = ch.cache.position();
  done(std::move(r));
  maybe_free(channels_.find(channel));
}

void BrokerOwner::presence(std::string_view channel, std::function<void(PresenceResult)> done) {
  auto local = [this](std::string_view channel) {
    Channel* ch = find(channel);
    return ch && ch->presence ? ch->presence->snapshot() : PresenceResult{};
  };
  if (!broker_.up(channel)) {
    done(local(channel));
    return;
  }
  broker_.presence_get(channel, [this, life = std::weak_ptr<int>(life_), name = std::string(channel), local,
                                 done = std::move(done)](Status st, PresenceResult r) {
    if (life.expired()) return;
    done(st == Status::ok ? std::move(r) : local(name));
  });
}

void BrokerOwner::history(std::string_view channel, const config::HubNamespace& ns,
                          const std::optional<Position>& since, std::uint32_t limit,
                          std::function<void(HistoryResult)> done) {
  auto local = [this](std::string_view channel, const config::HubNamespace& ns, const std::optional<Position>& since,
                      std::uint32_t limit) {
    Channel* ch = find(channel);
    if (!ch || ch->cache.epoch().empty()) {
      HistoryResult r;
      r.recovered = !since || since->offset == 0;
      return r;
    }
    ch->cache.configure(ns.history_size, ns.history_ttl, ns.latest_only);
    return ch->cache.read(since, limit, clock_.now());
  };
  if (!broker_.up(channel)) {
    done(local(channel, ns, since, limit));
    return;
  }
  ReadRequest req;
  if (since) {
    req.from = since->offset + 1;
    req.limit = limit;
  } else {
    req.newest = true;
    req.limit = limit;
  }
  broker_.read(channel, req,
               [this, life = std::weak_ptr<int>(life_), name = std::string(channel), ns, since, limit, local,
                done = std::move(done)](ReadResult rr) {
                 if (life.expired()) return;
                 if (rr.status != Status::ok) {
                   done(local(name, ns, since, limit));
                   return;
                 }
                 HistoryResult r;
                 r.position = rr.top;
                 bool skip = ns.slow_consumer == config::SlowConsumer::skip_to_latest;
                 if (since) {
                   if (rr.top.epoch.empty()) {
                     r.recovered = since->offset == 0;
                   } else {
                     r.recovered = since->epoch == rr.top.epoch && since->offset <= rr.top.offset &&
                                   (since->offset == rr.top.offset ||
                                    (!rr.pubs.empty() && rr.pubs.front().offset == since->offset + 1));
                   }
                   if (!r.recovered) rr.pubs.clear();
                 }
                 for (const auto& p : rr.pubs)
                   r.publications.push_back(
                       make_publication(name, p.offset, p.epoch, p.data, p.published_us, skip));
                 done(std::move(r));
               });
}

void BrokerOwner::list(std::vector<WorkerHub::ChannelInfo>& out) {
  auto now = clock_.now();
  for (auto& [name, ch] : channels_) {
    ch.cache.prune(now);
    out.push_back(WorkerHub::ChannelInfo{name, ch.subscribers, ch.cache.position(), std::uint32_t(ch.cache.size())});
  }
}

void BrokerOwner::sweep() {
  auto now = clock_.now();
  bool refresh = opt_.presence_ttl.count() > 0 && now - last_refresh_ >= opt_.presence_ttl / 3;
  if (refresh) last_refresh_ = now;
  for (auto it = channels_.begin(); it != channels_.end();) {
    auto next = std::next(it);
    const std::string& name = it->first;
    Channel& ch = it->second;
    // Subscribes that waited too long for the store: answer locally.
    if (ch.state == State::subscribing && !ch.waiters.empty() && now - ch.waiters.front().at >= opt_.subscribe_wait) {
      ch.state = State::interrupted;
      resume(name, ch);
    }
    // A sync that failed (the store was not reachable yet): try again.
    if (ch.sync_retry && ch.state == State::interrupted && !ch.busy && broker_.up(name)) start_sync(name, ch);
    if (refresh && ch.presence && ch.presence->clients() && broker_.up(name)) {
      std::vector<PresenceMember> members;
      for (const auto& e : ch.presence->snapshot().clients) members.push_back(PresenceMember{e.client, e.user, e.info});
      broker_.presence_add(name, members, opt_.presence_ttl);
    }
    maybe_free(it);
    it = next;
  }
}

}  // namespace strata::hub::broker

#include "hub/owner.hpp"

#include "config/hub.hpp"
#include "core/clock.hpp"
#include "hub/hub_metrics.hpp"
#include "hub/push_build.hpp"

namespace strata::hub {

Owner::Owner(unsigned workers, const core::Clock& clock, FanOut& out)
    : workers_(workers), clock_(clock), out_(out), rng_(std::random_device{}()) {}

Owner::~Owner() { HubMetrics::get().channels.sub(std::int64_t(channels_.size())); }

std::string Owner::new_epoch() {
  return epoch_from(rng_());
}

Owner::Channel* Owner::find(std::string_view name) {
  auto it = channels_.find(name);
  if (it == channels_.end()) return nullptr;
  Channel& ch = it->second;
  if (ch.subscribers == 0) {
    ch.history.prune(clock_.now());
    if (ch.history.empty()) {  // continuity lost: forget the stream
      maybe_free(it);
      return nullptr;
    }
  }
  return &ch;
}

Owner::Channel& Owner::get(std::string_view name, const config::HubNamespace& ns) {
  Channel* ch = find(name);
  if (!ch) {
    auto [it, added] = channels_.try_emplace(std::string(name), new_epoch(), workers_);
    ch = &it->second;
    HubMetrics::get().channels.add();
  }
  ch->history.configure(ns.history_size, ns.history_ttl, ns.latest_only);
  ch->join_leave = ns.join_leave;
  ch->skip_to_latest = ns.slow_consumer == config::SlowConsumer::skip_to_latest;
  return *ch;
}

void Owner::maybe_free(Map::iterator it) {
  Channel& ch = it->second;
  if (ch.subscribers > 0) return;
  ch.history.prune(clock_.now());
  if (!ch.history.empty()) return;
  channels_.erase(it);
  HubMetrics::get().channels.sub();
}

SubscribeResult Owner::subscribe(std::string_view channel, const config::HubNamespace& ns,
                                 const OwnerSubscriber& s, const std::optional<Position>& since,
                                 PushPtr& join) {
  Channel& ch = get(channel, ns);
  SubscribeResult r;
  r.position = ch.history.position();
  if (since) {
    r.recovery_asked = true;
    r.recovered = ch.history.recover(*since, clock_.now(), r.missed);
    (r.recovered ? HubMetrics::get().recovered : HubMetrics::get().not_recovered).inc();
  }
  ++ch.per_worker[s.worker];
  ++ch.subscribers;
  if (ns.presence) {
    if (!ch.presence) ch.presence = std::make_unique<Presence>();
    ch.presence->join(s.client, s.user, s.info);
  }
  if (ch.join_leave) join = make_join(channel, s.client, s.user, s.info);
  return r;
}

void Owner::broadcast(std::string_view channel, const PushPtr& p) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  for (unsigned w = 0; w < workers_; ++w)
    if (it->second.per_worker[w]) out_.fan_out(w, p);
}

void Owner::unsubscribe(std::string_view channel, ClientId client, std::string_view user, unsigned worker) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return;
  Channel& ch = it->second;
  if (ch.per_worker[worker] == 0) return;
  --ch.per_worker[worker];
  --ch.subscribers;
  if (ch.presence) {
    ch.presence->leave(client);
    if (ch.presence->clients() == 0) ch.presence.reset();
  }
  if (ch.join_leave && ch.subscribers > 0) {
    PushPtr leave = make_leave(channel, client, user);
    for (unsigned w = 0; w < workers_; ++w)
      if (ch.per_worker[w]) out_.fan_out(w, leave);
  }
  maybe_free(it);
}

PublishResult Owner::publish(std::string_view channel, const config::HubNamespace& ns, std::string_view data,
                             std::int64_t published_us) {
  Channel& ch = get(channel, ns);
  std::uint64_t offset = ch.history.next_offset();
  PushPtr p = make_publication(channel, offset, ch.history.epoch(), data, published_us, ch.skip_to_latest);
  ch.history.append(p, ch.history.enabled() ? clock_.now() : History::time_point{});
  HubMetrics::get().publications.inc();
  PublishResult r;
  r.position = ch.history.position();
  for (unsigned w = 0; w < workers_; ++w)
    if (ch.per_worker[w]) out_.fan_out(w, p);
  if (ch.subscribers == 0 && !ch.history.enabled()) maybe_free(channels_.find(channel));
  return r;
}

PresenceResult Owner::presence(std::string_view channel) {
  Channel* ch = find(channel);
  if (!ch || !ch->presence) return PresenceResult{};
  return ch->presence->snapshot();
}

HistoryResult Owner::history(std::string_view channel, const config::HubNamespace& ns,
                             const std::optional<Position>& since, std::uint32_t limit) {
  Channel* ch = find(channel);
  if (!ch) {
    // No stream (position 0, epoch ""): nothing was missed only from 0.
    HistoryResult r;
    r.recovered = !since || since->offset == 0;
    return r;
  }
  ch->history.configure(ns.history_size, ns.history_ttl, ns.latest_only);
  return ch->history.read(since, limit, clock_.now());
}

void Owner::list(std::vector<WorkerHub::ChannelInfo>& out) {
  auto now = clock_.now();
  for (auto& [name, ch] : channels_) {
    ch.history.prune(now);
    out.push_back(WorkerHub::ChannelInfo{name, ch.subscribers, ch.history.position(),
                                         std::uint32_t(ch.history.size())});
  }
}

void Owner::sweep() {
  auto now = clock_.now();
  for (auto it = channels_.begin(); it != channels_.end();) {
    auto next = std::next(it);
    if (it->second.subscribers == 0) {
      it->second.history.prune(now);
      if (it->second.history.empty()) {
        channels_.erase(it);
        HubMetrics::get().channels.sub();
      }
    }
    it = next;
  }
}

}  // namespace strata::hub

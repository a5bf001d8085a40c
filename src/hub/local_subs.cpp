#include "hub/local_subs.hpp"

#include <algorithm>

#include "hub/hub_metrics.hpp"

namespace strata::hub {

LocalSubs::~LocalSubs() {
  std::int64_t active = 0;
  for (auto& [name, ch] : chans_)
    for (Client* c : ch.subs) active += c != nullptr;
  HubMetrics::get().subscriptions.sub(active);
}

void LocalSubs::attach(Client& c) {
  auto [it, added] = clients_.try_emplace(&c);
  if (added && !c.user().empty()) {
    auto u = users_.find(std::string_view(c.user()));
    if (u == users_.end()) u = users_.emplace(c.user(), std::vector<Client*>{}).first;
    u->second.push_back(&c);
  }
}

std::size_t LocalSubs::subscriptions(const Client& c) const {
  auto it = clients_.find(const_cast<Client*>(&c));
  return it == clients_.end() ? 0 : it->second.size();
}

std::uint64_t LocalSubs::begin(Client& c, std::string_view channel, Done& done) {
  attach(c);
  auto& subs = clients_[&c];
  for (const Sub& s : subs)
    if (s.chan->first == channel) return 0;
  auto it = chans_.find(channel);
  if (it == chans_.end()) it = chans_.try_emplace(std::string(channel)).first;
  ChanEntry* e = &*it;
  ++e->second.pending;
  std::uint64_t seq = ++seq_;
  subs.push_back(Sub{e, seq});
  pending_.emplace(seq, Pending{&c, e, std::move(done)});
  return seq;
}

void LocalSubs::finish(std::uint64_t seq, SubscribeResult r) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;  // removed meanwhile
  Pending p = std::move(it->second);
  pending_.erase(it);
  --p.chan->second.pending;
  if (p.cancelled) {
    maybe_free(p.chan);
    SubscribeResult err;
    err.error = Error::not_subscribed;
    if (p.done) p.done(std::move(err));
    return;
  }
  auto& subs = clients_[p.client];
  for (Sub& s : subs)
    if (s.seq == seq) s.seq = 0;
  if (r.error == Error::none) {
    p.chan->second.subs.push_back(p.client);
    HubMetrics::get().subscriptions.add();
  } else {
    std::erase_if(subs, [&](const Sub& s) { return s.chan == p.chan; });
    maybe_free(p.chan);
  }
  if (p.done) p.done(std::move(r));
}

void LocalSubs::drop_active(Client& c, ChanEntry* e) {
  Chan& ch = e->second;
  auto it = std::find(ch.subs.rbegin(), ch.subs.rend(), &c);
  if (it == ch.subs.rend()) return;
  HubMetrics::get().subscriptions.sub();
  if (ch.delivering) {
    *it = nullptr;
    ch.holes = true;
    return;
  }
  *it = ch.subs.back();
  ch.subs.pop_back();
}

void LocalSubs::maybe_free(ChanEntry* e) {
  Chan& ch = e->second;
  if (ch.delivering || ch.pending) return;
  if (ch.holes) std::erase(ch.subs, nullptr), ch.holes = false;
  if (!ch.subs.empty()) return;
  chans_.erase(e->first);
}

bool LocalSubs::unsubscribe(Client& c, std::string_view channel) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return false;
  auto& subs = cit->second;
  auto s = std::find_if(subs.begin(), subs.end(), [&](const Sub& x) { return x.chan->first == channel; });
  if (s == subs.end()) return false;
  ChanEntry* e = s->chan;
  if (s->seq) {
    pending_[s->seq].cancelled = true;
  } else {
    drop_active(c, e);
  }
  subs.erase(s);
  maybe_free(e);
  return true;
}

void LocalSubs::remove(Client& c, std::vector<std::string>& left) {
  auto cit = clients_.find(&c);
  if (cit == clients_.end()) return;
  std::vector<Sub> subs = std::move(cit->second);
  clients_.erase(cit);
  if (!c.user().empty()) {
    auto u = users_.find(std::string_view(c.user()));
    if (u != users_.end()) {
      std::erase(u->second, &c);
      if (u->second.empty()) users_.erase(u);
    }
  }
  for (const Sub& s : subs) {
    left.push_back(s.chan->first);
    if (s.seq) {
      pending_.erase(s.seq);  // done is dropped
      --s.chan->second.pending;
    } else {
      drop_active(c, s.chan);
    }
    maybe_free(s.chan);
  }
}

std::size_t LocalSubs::deliver(const PushPtr& p) {
  auto it = chans_.find(std::string_view(p->channel));
  if (it == chans_.end()) return 0;
  ChanEntry* e = &*it;
  Chan& ch = e->second;
  ++ch.delivering;
  std::size_t n = ch.subs.size(), delivered = 0;
  const bool skip = p->skip_to_latest;
  for (std::size_t i = 0; i < n; ++i) {
    Client* c = ch.subs[i];
    if (!c) continue;
    c->push(p, skip);
    ++delivered;
  }
  --ch.delivering;
  if (ch.holes && !ch.delivering) maybe_free(e);
  return delivered;
}

std::vector<Client*> LocalSubs::clients_of(std::string_view user) const {
  auto u = users_.find(user);
  if (u == users_.end()) return {};
  return u->second;
}

}  // namespace strata::hub

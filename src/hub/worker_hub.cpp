#include "hub/worker_hub.hpp"

#include <spdlog/spdlog.h>

#include "config/hub.hpp"
#include "core/clock.hpp"
#include "hub/broker/broker_owner.hpp"
#include "hub/broker/redis_broker.hpp"
#include "hub/channel_name.hpp"
#include "hub/hub_metrics.hpp"
#include "hub/push_build.hpp"
#include "redis/client.hpp"

namespace strata::hub {

namespace {

// Checks that apply on the client's worker before anything is posted.
Error check(const config::HubConfig& cfg, std::string_view channel, const Client* c,
            const config::HubNamespace** ns) {
  ChannelName name;
  if (Error e = parse_channel(channel, cfg, name, ns); e != Error::none) return e;
  if (!c) return Error::none;
  if (!name.allows(c->user())) return Error::permission_denied;
  if (c->user().empty() && !(*ns)->anonymous) return Error::permission_denied;
  return Error::none;
}

}  // namespace

WorkerHubImpl::WorkerHubImpl(unsigned self, const std::vector<boost::asio::any_io_executor>& executors,
                             const std::vector<MailSink*>& sinks, std::vector<WorkerHubImpl*>& peers,
                             std::shared_ptr<const config::HubConfig> cfg, const HubOptions& opt)
    : self_(self),
      workers_(unsigned(executors.size())),
      peers_(peers),
      cfg_(std::move(cfg)),
      clock_(opt.clock ? *opt.clock : core::SteadyClock::instance()),
      sweep_interval_(opt.sweep_interval),
      mail_(self, executors, sinks),
      owner_(workers_, clock_, *this),
      wheel_(executors[self], &clock_, opt.wheel_tick),
      sweep_timer_(executors[self]) {
  node_ = opt.node;
  const config::HubBroker& b = cfg_->broker;
  if (b.type == config::HubBrokerType::redis) {
    auto ex = executors[self];
    make_broker_ = [self, ex, b, redis = opt.redis, make = opt.redis_client]() -> std::unique_ptr<broker::Broker> {
      std::unique_ptr<redis::Client> c =
          make ? make(self, ex) : redis::make_client(*redis, ex, "hub w" + std::to_string(self));
      return std::make_unique<broker::RedisBroker>(std::move(c), ex, b.prefix, b.partitions);
    };
  }
}

WorkerHubImpl::~WorkerHubImpl() {
  bowner_.reset();
  broker_.reset();
  if (broker_up_) HubMetrics::get().broker_up.sub();
  flush_counters();
}

void WorkerHubImpl::start() {
  if (make_broker_ && !broker_) {
    try {
      broker_ = make_broker_();
    } catch (const std::exception& e) {
      // The config was checked; this is unexpected. Not fatal on a worker
      // thread: the worker's channels stay single-node, loudly.
      spdlog::error("hub worker {}: cannot create the Redis broker ({}); its channels stay local", self_,
                    e.what());
      make_broker_ = nullptr;
    }
  }
  if (broker_ && !bowner_) {
    broker::BrokerOwner::Options o;
    char node[16];
    std::snprintf(node, sizeof node, "%05x", unsigned(node_));
    o.node = node;
    o.presence_ttl = cfg_->broker.presence_ttl;
    bowner_ = std::make_unique<broker::BrokerOwner>(workers_, clock_, *this, *broker_, std::move(o));
  }
  arm_sweep();
}

void WorkerHubImpl::sweep() {
  owner_.sweep();
  if (!bowner_) return;
  bowner_->sweep();
  bool up = bowner_->up();
  if (up != broker_up_) {
    broker_up_ = up;
    if (up) {
      HubMetrics::get().broker_up.add();
    } else {
      HubMetrics::get().broker_up.sub();
    }
  }
}

std::size_t WorkerHubImpl::owned_channels() const { return bowner_ ? bowner_->channels() : owner_.channels(); }

void WorkerHubImpl::arm_sweep() {
  if (sweep_interval_.count() <= 0) return;
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    sweep();
    flush_counters();
    arm_sweep();
  });
}

ClientId WorkerHubImpl::next_client_id() {
  ClientId id = ++ids_ * workers_ + self_;
  // Broker mode: ids are unique across nodes too (presence in Redis, join/leave).
  if (make_broker_) id |= ClientId(node_ & 0x7ffff) << 44;
  return id;
}

unsigned WorkerHubImpl::owner_of(std::string_view channel) const { return hub::owner_of(channel, workers_); }

template <class F>
void WorkerHubImpl::on_owner(unsigned owner, F&& fn) {
  if (owner == self_) {
    fn();
  } else {
    mail_.call(owner, std::forward<F>(fn));
  }
}

void WorkerHubImpl::fan_out(unsigned worker, const PushPtr& p) {
  // Broker mode: the owner's replies and pushes to its own worker go
  // through the mailbox too (never inline from Redis callbacks), which
  // keeps them in one FIFO order.
  if (worker != self_ || bowner_) {
    mail_.deliver(worker, p);
    return;
  }
  deliver_local(p);
}

void WorkerHubImpl::deliver_local(const PushPtr& p) {
  std::size_t n = local_.deliver(p);
  delivered_ += n;
  if (n && (++sample_ & 15) == 0)
    HubMetrics::get().latency.observe(double(unix_us() - p->published_us) / 1e6);
  if (delivered_ >= 4096) flush_counters();
}

void WorkerHubImpl::receive(std::vector<HubMsg>& batch) {
  for (auto& m : batch) {
    try {
      if (m.push) {
        deliver_local(m.push);
      } else {
        m.fn();
      }
    } catch (const std::exception& e) {
      spdlog::error("hub worker {}: {}", self_, e.what());
    }
  }
  flush_counters();
}

void WorkerHubImpl::flush_counters() {
  if (delivered_) HubMetrics::get().deliveries.inc(delivered_);
  delivered_ = 0;
}

void WorkerHubImpl::subscribe(Client& c, std::string_view channel, std::optional<Position> since,
                              std::function<void(SubscribeResult)> done) {
  const config::HubNamespace* ns = nullptr;
  Error e = check(*cfg_, channel, &c, &ns);
  std::uint64_t seq = 0;
  if (e == Error::none && local_.subscriptions(c) >= cfg_->max_channels_per_client) e = Error::limit_exceeded;
  if (e == Error::none) {
    seq = local_.begin(c, channel, done);
    if (!seq) e = Error::already_subscribed;
  }
  if (e != Error::none) {
    SubscribeResult r;
    r.error = e;
    done(std::move(r));
    return;
  }
  unsigned o = owner_of(channel);
  OwnerSubscriber s{c.id(), c.user(), c.info(), self_};
  on_owner(o, [peer = peers_[o], back = this, seq, ch = std::string(channel), s = std::move(s),
               since = std::move(since)]() mutable {
    const config::HubNamespace* ns = nullptr;
    ChannelName name;
    SubscribeResult r;
    PushPtr join;
    if (Error e = parse_channel(ch, *peer->cfg_, name, &ns); e != Error::none) {
      r.error = e;
    } else if (peer->bowner_) {
      peer->bowner_->subscribe(ch, *ns, s, since, [peer, back, seq](SubscribeResult r) {
        peer->mail_.call(back->self_,
                         [back, seq, r = std::move(r)]() mutable { back->local_.finish(seq, std::move(r)); });
      });
      return;
    } else {
      r = peer->owner_.subscribe(ch, *ns, s, since, join);
    }
    peer->on_owner(back->self_, [back, seq, r = std::move(r)]() mutable { back->local_.finish(seq, std::move(r)); });
    if (join) peer->owner_.broadcast(ch, join);
  });
}

void WorkerHubImpl::owner_unsubscribe(unsigned o, std::string channel, ClientId id, std::string user) {
  on_owner(o, [peer = peers_[o], w = self_, ch = std::move(channel), id, user = std::move(user)] {
    if (peer->bowner_) {
      peer->bowner_->unsubscribe(ch, id, user, w);
    } else {
      peer->owner_.unsubscribe(ch, id, user, w);
    }
  });
}

void WorkerHubImpl::unsubscribe(Client& c, std::string_view channel) {
  if (local_.unsubscribe(c, channel)) owner_unsubscribe(owner_of(channel), std::string(channel), c.id(), c.user());
}

void WorkerHubImpl::remove(Client& c) {
  std::vector<std::string> left;
  local_.remove(c, left);
  for (auto& ch : left) {
    unsigned o = owner_of(ch);
    owner_unsubscribe(o, std::move(ch), c.id(), c.user());
  }
}

void WorkerHubImpl::publish(PublishRequest req, std::function<void(PublishResult)> done) {
  const config::HubNamespace* ns = nullptr;
  Error e = check(*cfg_, req.channel, req.from, &ns);
  if (e == Error::none && req.from && !ns->client_publish) e = Error::permission_denied;
  if (e == Error::none && req.data.size() > cfg_->max_message) e = Error::limit_exceeded;
  if (e != Error::none) {
    PublishResult r;
    r.error = e;
    done(std::move(r));
    return;
  }
  unsigned o = owner_of(req.channel);
  on_owner(o, [peer = peers_[o], back = this, ch = std::move(req.channel), data = std::move(req.data),
               ts = unix_us(), done = std::move(done)]() mutable {
    const config::HubNamespace* ns = nullptr;
    ChannelName name;
    PublishResult r;
    if (Error e = parse_channel(ch, *peer->cfg_, name, &ns); e != Error::none) {
      r.error = e;
    } else if (peer->bowner_) {
      peer->bowner_->publish(ch, *ns, data, ts, [peer, back, done = std::move(done)](PublishResult r) mutable {
        peer->mail_.call(back->self_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
      });
      return;
    } else {
      r = peer->owner_.publish(ch, *ns, data, ts);
    }
    peer->on_owner(back->self_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
  });
}

void WorkerHubImpl::presence(std::string_view channel, std::function<void(PresenceResult)> done) {
  const config::HubNamespace* ns = nullptr;
  Error e = check(*cfg_, channel, nullptr, &ns);
  if (e == Error::none && !ns->presence) e = Error::not_available;
  if (e != Error::none) {
    PresenceResult r;
    r.error = e;
    done(std::move(r));
    return;
  }
  unsigned o = owner_of(channel);
  on_owner(o, [peer = peers_[o], back = this, ch = std::string(channel), done = std::move(done)]() mutable {
    if (peer->bowner_) {
      peer->bowner_->presence(ch, [peer, back, done = std::move(done)](PresenceResult r) mutable {
        peer->mail_.call(back->self_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
      });
      return;
    }
    PresenceResult r = peer->owner_.presence(ch);
    peer->on_owner(back->self_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
  });
}

void WorkerHubImpl::history(std::string_view channel, std::optional<Position> since, std::uint32_t limit,
                            std::function<void(HistoryResult)> done) {
  const config::HubNamespace* ns = nullptr;
  Error e = check(*cfg_, channel, nullptr, &ns);
  if (e == Error::none && ns->history_size == 0 && !ns->latest_only) e = Error::not_available;
  if (e != Error::none) {
    HistoryResult r;
    r.error = e;
    r.recovered = false;
    done(std::move(r));
    return;
  }
  unsigned o = owner_of(channel);
  on_owner(o, [peer = peers_[o], back = this, ch = std::string(channel), since = std::move(since), limit,
               done = std::move(done)]() mutable {
    const config::HubNamespace* ns = nullptr;
    ChannelName name;
    HistoryResult r;
    if (Error e = parse_channel(ch, *peer->cfg_, name, &ns); e != Error::none) {
      r.error = e;
      r.recovered = false;
    } else if (peer->bowner_) {
      peer->bowner_->history(ch, *ns, since, limit, [peer, back, done = std::move(done)](HistoryResult r) mutable {
        peer->mail_.call(back->self_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
      });
      return;
    } else {
      r = peer->owner_.history(ch, *ns, since, limit);
    }
    peer->on_owner(back->self_, [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
  });
}

void WorkerHubImpl::disconnect_user(std::string_view user, std::uint16_t code, std::string_view reason) {
  for (unsigned w = 0; w < workers_; ++w) {
    on_owner(w, [peer = peers_[w], u = std::string(user), code, why = std::string(reason)] {
      for (Client* c : peer->local_.clients_of(u))
        if (peer->local_.attached(*c)) c->disconnect(code, why);
    });
  }
}

void WorkerHubImpl::unsubscribe_user(std::string_view user, std::string_view channel) {
  for (unsigned w = 0; w < workers_; ++w) {
    on_owner(w, [peer = peers_[w], u = std::string(user), ch = std::string(channel)] {
      for (Client* c : peer->local_.clients_of(u)) {
        if (!peer->local_.attached(*c)) continue;
        if (peer->local_.unsubscribe(*c, ch)) {
          peer->owner_unsubscribe(peer->owner_of(ch), ch, c->id(), c->user());
          c->unsubscribed(ch);
        }
      }
    });
  }
}

void WorkerHubImpl::channels(std::function<void(std::vector<ChannelInfo>)> done) {
  // The gathering state stays on this worker; the owners only see its id.
  std::uint64_t id = ++gather_seq_;
  gathers_[id] = Gather{{}, workers_, std::move(done)};
  for (unsigned w = 0; w < workers_; ++w) {
    on_owner(w, [peer = peers_[w], back = this, id] {
      std::vector<ChannelInfo> part;
      if (peer->bowner_) {
        peer->bowner_->list(part);
      } else {
        peer->owner_.list(part);
      }
      peer->on_owner(back->self_, [back, id, part = std::move(part)]() mutable {
        auto it = back->gathers_.find(id);
        if (it == back->gathers_.end()) return;
        auto& g = it->second;
        for (auto& ci : part) g.all.push_back(std::move(ci));
        if (--g.left == 0) {
          auto fin = std::move(g);
          back->gathers_.erase(it);
          fin.done(std::move(fin.all));
        }
      });
    });
  }
}

unsigned owner_of(std::string_view channel, unsigned workers) {
  if (workers <= 1) return 0;
  std::uint64_t h = std::hash<std::string_view>{}(channel);
  h ^= h >> 29;
  h *= 0x9e3779b97f4a7c15ULL;
  return unsigned((h >> 32) % workers);
}

}  // namespace strata::hub

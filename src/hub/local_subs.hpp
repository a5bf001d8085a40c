// A worker's own hub clients: channel -> local subscribers (a compact
// vector of Client*), client -> its subscriptions, user -> clients, and the
// subscriptions waiting for their owner's reply. Deliveries hand the same
// PushPtr to every local subscriber, with no allocation.
// Re-entrancy: Client::push() may remove or unsubscribe clients (even the
// one being delivered to); removals during a delivery leave a hole that is
// compacted afterwards.
// Thread: the worker's.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/hub.hpp"
#include "hub/name_map.hpp"

namespace strata::hub {

class LocalSubs {
 public:
  using Done = std::function<void(SubscribeResult)>;
  LocalSubs() = default;
  ~LocalSubs();
  LocalSubs(const LocalSubs&) = delete;
  LocalSubs& operator=(const LocalSubs&) = delete;

  void attach(Client& c);
  bool attached(const Client& c) const { return clients_.count(const_cast<Client*>(&c)) > 0; }
  std::size_t subscriptions(const Client& c) const;   // active + pending

  // Starts a subscription (attaching c): 0 when c already has (or waits for) `channel`,
  // else the sequence number the owner's reply must name.
  std::uint64_t begin(Client& c, std::string_view channel, Done& done);  // moves done on success
  // The owner's reply for `seq`: activates the subscription and calls done
  // (done gets not_subscribed if unsubscribe() came first; nothing happens
  // if remove() came first: both already told the owner).
  void finish(std::uint64_t seq, SubscribeResult r);

  // True when c had `channel` (active or pending): tell the owner.
  bool unsubscribe(Client& c, std::string_view channel);
  // Forgets c; `left` receives the channels to drop at the owner.
  void remove(Client& c, std::vector<std::string>& left);

  // Delivers p to the local subscribers of p->channel; returns how many.
  std::size_t deliver(const PushPtr& p);

  // Copies of the user's clients (callers re-check attached()).
  std::vector<Client*> clients_of(std::string_view user) const;

  std::size_t channels() const { return chans_.size(); }

 private:
  struct Chan {
    std::vector<Client*> subs;     // active subscribers; null = hole during a delivery
    std::uint32_t pending = 0;     // subscriptions waiting for the owner
    std::uint32_t delivering = 0;
    bool holes = false;
  };
  using ChanMap = NameMap<Chan>;
  using ChanEntry = ChanMap::value_type;  // stable address (node based map)
  struct Sub {
    ChanEntry* chan;
    std::uint64_t seq;             // != 0 while waiting for the owner
  };
  struct Pending {
    Client* client;
    ChanEntry* chan;
    Done done;
    bool cancelled = false;        // unsubscribed before the reply
  };

  void drop_active(Client& c, ChanEntry* chan);
  void maybe_free(ChanEntry* chan);

  ChanMap chans_;
  std::unordered_map<Client*, std::vector<Sub>> clients_;
  NameMap<std::vector<Client*>> users_;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::uint64_t seq_ = 0;
};

}  // namespace strata::hub

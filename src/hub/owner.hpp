// The channels a worker owns (owner = hash(name) % workers): per channel
// the stream (history.hpp), presence (presence.hpp) and how many subscribers
// each worker has, which is where publications fan out. Channel state is
// created on first use and freed when it has no subscriber and no history
// left (its next use starts a new epoch at offset 0).
// Pure state: the caller (worker_hub.cpp) routes requests here and sends
// the results and the fan-out (through FanOut) to the workers.
// Thread: the owner worker's.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/history.hpp"
#include "hub/name_map.hpp"
#include "hub/hub.hpp"
#include "hub/presence.hpp"

namespace strata::config {
struct HubNamespace;
}
namespace strata::core {
class Clock;
}

namespace strata::hub {

class FanOut {
 public:
  virtual ~FanOut() = default;
  // `p` to the local subscribers of p->channel on `worker`.
  virtual void fan_out(unsigned worker, const PushPtr& p) = 0;
};

struct OwnerSubscriber {
  ClientId client = 0;
  std::string user;
  std::string info;
  unsigned worker = 0;
};

class Owner {
 public:
  Owner(unsigned workers, const core::Clock& clock, FanOut& out);
  ~Owner();

  // Registers the subscriber (counts, presence) and fills the reply; the
  // join push (join_leave namespaces) is returned for the caller to fan out
  // AFTER it sent the reply, so the subscriber sees its reply first.
  SubscribeResult subscribe(std::string_view channel, const config::HubNamespace& ns, const OwnerSubscriber& s,
                            const std::optional<Position>& since, PushPtr& join);
  // Sends `p` to every worker with subscribers of `channel`.
  void broadcast(std::string_view channel, const PushPtr& p);
  // Undoes one subscribe() of the client; fans out the leave push.
  void unsubscribe(std::string_view channel, ClientId client, std::string_view user, unsigned worker);
  // Assigns the next offset, keeps the publication in history and fans it
  // out to every worker with subscribers.
  PublishResult publish(std::string_view channel, const config::HubNamespace& ns, std::string_view data,
                        std::int64_t published_us);
  PresenceResult presence(std::string_view channel);
  HistoryResult history(std::string_view channel, const config::HubNamespace& ns,
                        const std::optional<Position>& since, std::uint32_t limit);
  void list(std::vector<WorkerHub::ChannelInfo>& out);
  // Frees channels with no subscriber whose history expired.
  void sweep();

  std::size_t channels() const { return channels_.size(); }

 private:
  struct Channel {
    explicit Channel(std::string epoch, unsigned workers) : history(std::move(epoch)), per_worker(workers, 0) {}
    History history;
    std::vector<std::uint32_t> per_worker;   // subscribers on each worker
    std::uint64_t subscribers = 0;
    std::unique_ptr<Presence> presence;      // namespaces with presence
    bool join_leave = false;
    bool skip_to_latest = false;
  };
  using Map = NameMap<Channel>;

  Channel& get(std::string_view name, const config::HubNamespace& ns);
  Channel* find(std::string_view name);
  void maybe_free(Map::iterator it);
  std::string new_epoch();

  unsigned workers_;
  const core::Clock& clock_;
  FanOut& out_;
  Map channels_;
  std::mt19937_64 rng_;
};

}  // namespace strata::hub

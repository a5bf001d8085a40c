// One worker's hub (the WorkerHub of hub.hpp): its clients (local_subs.hpp),
// the channels it owns (owner.hpp), its mailbox to the other workers
// (mailbox.hpp) and its timer wheel. Requests for a channel go to the
// channel's owner (run inline when that is this worker); replies and
// publications come back through the owner's mailbox, in order.
// Thread: the worker's, except the constructor/destructor (see make_hub).
#pragma once
#include <memory>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hub/broker/broker.hpp"
#include "hub/hub.hpp"
#include "hub/hub_impl.hpp"
#include "hub/local_subs.hpp"
#include "hub/mailbox.hpp"
#include "hub/owner.hpp"
#include "hub/timer_wheel.hpp"

namespace strata::hub {

namespace broker {
class BrokerOwner;
}

class WorkerHubImpl final : public WorkerHub, public MailSink, public FanOut {
 public:
  WorkerHubImpl(unsigned self, const std::vector<boost::asio::any_io_executor>& executors,
                const std::vector<MailSink*>& sinks, std::vector<WorkerHubImpl*>& peers,
                std::shared_ptr<const config::HubConfig> cfg, const HubOptions& opt);
  ~WorkerHubImpl() override;

  // WorkerHub
  unsigned worker() const override { return self_; }
  const config::HubConfig& config() const override { return *cfg_; }
  ClientId next_client_id() override;
  TimerWheel& wheel() override { return wheel_; }
  void attach(Client& c) override { local_.attach(c); }
  void subscribe(Client& c, std::string_view channel, std::optional<Position> since,
                 std::function<void(SubscribeResult)> done) override;
  void unsubscribe(Client& c, std::string_view channel) override;
  void remove(Client& c) override;
  void publish(PublishRequest req, std::function<void(PublishResult)> done) override;
  void presence(std::string_view channel, std::function<void(PresenceResult)> done) override;
  void history(std::string_view channel, std::optional<Position> since, std::uint32_t limit,
               std::function<void(HistoryResult)> done) override;
  void disconnect_user(std::string_view user, std::uint16_t code, std::string_view reason) override;
  void unsubscribe_user(std::string_view user, std::string_view channel) override;
  void channels(std::function<void(std::vector<ChannelInfo>)> done) override;

  // MailSink / FanOut
  void receive(std::vector<HubMsg>& batch) override;
  void fan_out(unsigned worker, const PushPtr& p) override;

  // Swaps the options (on this worker's thread).
  void set_config(std::shared_ptr<const config::HubConfig> cfg) { cfg_ = std::move(cfg); }
  // Frees idle channels whose history expired (the sweep timer runs it).
  void sweep();
  std::size_t owned_channels() const;
  std::size_t local_channels() const { return local_.channels(); }
  // Starts the periodic sweep and, in broker mode, the worker's Redis
  // client (make_hub does, on the worker's thread).
  void start();
  // Broker mode (hub.broker.type: redis): the worker's broker, else null.
  broker::Broker* broker() { return broker_.get(); }

 private:
  unsigned owner_of(std::string_view channel) const;
  // Runs fn on the owner of `channel`: now when it is this worker.
  template <class F>
  void on_owner(unsigned owner, F&& fn);
  void owner_unsubscribe(unsigned owner, std::string channel, ClientId id, std::string user);
  void deliver_local(const PushPtr& p);
  void flush_counters();
  void arm_sweep();

  unsigned self_;
  unsigned workers_;
  std::vector<WorkerHubImpl*>& peers_;
  std::shared_ptr<const config::HubConfig> cfg_;
  const core::Clock& clock_;
  std::chrono::milliseconds sweep_interval_;
  Mailbox mail_;
  LocalSubs local_;
  Owner owner_;
  // Broker mode: made in start(); the owner logic uses them instead of owner_.
  std::function<std::unique_ptr<broker::Broker>()> make_broker_;
  std::unique_ptr<broker::Broker> broker_;
  std::unique_ptr<broker::BrokerOwner> bowner_;
  std::uint32_t node_ = 0;
  bool broker_up_ = false;           // counted in strata_hub_broker_up
  TimerWheel wheel_;
  boost::asio::steady_timer sweep_timer_;
  std::uint64_t ids_ = 0;
  std::uint64_t delivered_ = 0;      // not yet added to the metric
  std::uint32_t sample_ = 0;         // latency sampling (1 in 16 local deliveries)
  struct Gather {
    std::vector<ChannelInfo> all;
    unsigned left;
    std::function<void(std::vector<ChannelInfo>)> done;
  };
  std::unordered_map<std::uint64_t, Gather> gathers_;  // channels() in progress
  std::uint64_t gather_seq_ = 0;
};

}  // namespace strata::hub

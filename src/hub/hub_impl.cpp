#include "hub/hub_impl.hpp"

#include <random>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "config/hub.hpp"
#include "hub/worker_hub.hpp"

namespace strata::hub {

namespace {

class HubImpl final : public Hub {
 public:
  HubImpl(std::vector<boost::asio::any_io_executor> executors, std::shared_ptr<const config::HubConfig> cfg,
          const HubOptions& opt)
      : executors_(std::move(executors)) {
    const unsigned n = unsigned(executors_.size());
    HubOptions o = opt;
    if (!o.node) o.node = std::uint32_t(std::random_device{}() & 0x7ffff) | 1;
    if (cfg->broker.type == config::HubBrokerType::redis && !o.redis && !o.redis_client)
      throw std::runtime_error("hub.broker.type redis needs a redis: section");
    sinks_.resize(n);
    peers_.resize(n);
    for (unsigned w = 0; w < n; ++w) {
      hubs_.push_back(std::make_unique<WorkerHubImpl>(w, executors_, sinks_, peers_, cfg, o));
      sinks_[w] = hubs_[w].get();
      peers_[w] = hubs_[w].get();
    }
    for (unsigned w = 0; w < n; ++w) boost::asio::post(executors_[w], [h = hubs_[w].get()] { h->start(); });
  }

  WorkerHub& on(unsigned worker) override { return *hubs_.at(worker); }
  unsigned workers() const override { return unsigned(hubs_.size()); }

  void apply(std::shared_ptr<const config::HubConfig> cfg) override {
    for (unsigned w = 0; w < hubs_.size(); ++w)
      boost::asio::post(executors_[w], [h = hubs_[w].get(), cfg] { h->set_config(cfg); });
  }

 private:
  std::vector<boost::asio::any_io_executor> executors_;
  std::vector<MailSink*> sinks_;
  std::vector<WorkerHubImpl*> peers_;
  std::vector<std::unique_ptr<WorkerHubImpl>> hubs_;
};

}  // namespace

std::unique_ptr<Hub> make_hub(std::vector<boost::asio::any_io_executor> workers,
                              std::shared_ptr<const config::HubConfig> cfg, HubOptions opt) {
  if (workers.empty()) return nullptr;
  if (!cfg) cfg = std::make_shared<const config::HubConfig>();
  return std::make_unique<HubImpl>(std::move(workers), std::move(cfg), opt);
}

}  // namespace strata::hub

// redis::Client for one standalone node (config mode standalone): one
// command Connection, and a PubSubConnection made on the first subscribe.
// Routes are ignored.
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "config/redis.hpp"
#include "redis/client.hpp"
#include "redis/connection.hpp"

namespace strata::redis {
namespace {

class StandaloneClient final : public Client {
 public:
  StandaloneClient(const config::RedisConfig& cfg, boost::asio::any_io_executor ex, std::string name)
      : cfg_(cfg), ex_(std::move(ex)), name_(std::move(name)) {
    if (cfg_.addresses.size() != 1 || !parse_endpoint(cfg_.addresses[0], ep_))
      throw std::invalid_argument("redis standalone: needs exactly one address host:port");
    conn_ = std::make_shared<Connection>(ex_, ep_, cfg_, name_);
  }
  ~StandaloneClient() override { close(); }

  void command(std::string_view, std::vector<std::string> args, Callback cb) override {
    conn_->command(std::move(args), std::move(cb));
  }

  void eval(std::string_view, const Script& script, std::vector<std::string> keys, std::vector<std::string> args,
            Callback cb) override {
    std::vector<std::string> a;
    a.reserve(3 + keys.size() + args.size());
    a.emplace_back("EVALSHA");
    a.push_back(script.sha1);
    a.push_back(std::to_string(keys.size()));
    for (auto& k : keys) a.push_back(std::move(k));
    for (auto& v : args) a.push_back(std::move(v));
    auto retry = a;  // EVAL needs the same arguments if the node lacks the script
    retry[0] = "EVAL";
    retry[1] = script.source;
    std::weak_ptr<Connection> weak = conn_;
    conn_->command(std::move(a), [weak, retry = std::move(retry), cb = std::move(cb)](Result r) mutable {
      auto c = weak.lock();
      if (c && r.err == Errc::ok && r.reply.is_error() && r.reply.str.rfind("NOSCRIPT", 0) == 0)
        return c->command(std::move(retry), std::move(cb));
      cb(std::move(r));
    });
  }

  void subscribe(std::string_view, std::string_view channel) override {
    if (!handler_) {
      spdlog::error("redis {}: subscribe('{}') before set_handler(); ignored", name_, channel);
      return;
    }
    if (closed_) return;
    if (!pubsub_) pubsub_ = std::make_unique<PubSubConnection>(ex_, ep_, cfg_, *handler_, false, name_ + " pubsub");
    pubsub_->subscribe(channel);
  }

  void unsubscribe(std::string_view, std::string_view channel) override {
    if (pubsub_) pubsub_->unsubscribe(channel);
  }

  void set_handler(SubscriberHandler* h) override { handler_ = h; }
  bool up(std::string_view) const override { return conn_->up(); }
  bool sharded() const override { return false; }

  void close() override {
    if (closed_) return;
    closed_ = true;
    conn_->close();
    if (pubsub_) pubsub_->close();
  }

 private:
  config::RedisConfig cfg_;
  boost::asio::any_io_executor ex_;
  std::string name_;
  Endpoint ep_;
  std::shared_ptr<Connection> conn_;
  std::unique_ptr<PubSubConnection> pubsub_;
  SubscriberHandler* handler_ = nullptr;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Client> make_standalone_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                               std::string name) {
  return std::make_unique<StandaloneClient>(cfg, std::move(ex), std::move(name));
}

}  // namespace strata::redis

#include "redis/shards_client.hpp"

#include "config/redis.hpp"
#include "redis/slot.hpp"

namespace strata::redis {

unsigned shard_of(std::string_view route, unsigned shards) { return jump_bucket(route, shards); }

namespace {

class ShardsClient final : public Client {
 public:
  explicit ShardsClient(std::vector<std::unique_ptr<Client>> parts) : parts_(std::move(parts)) {}
  ~ShardsClient() override { close(); }

  void command(std::string_view route, std::vector<std::string> args, Callback cb) override {
    at(route).command(route, std::move(args), std::move(cb));
  }
  void eval(std::string_view route, const Script& script, std::vector<std::string> keys,
            std::vector<std::string> args, Callback cb) override {
    at(route).eval(route, script, std::move(keys), std::move(args), std::move(cb));
  }
  void subscribe(std::string_view route, std::string_view channel) override { at(route).subscribe(route, channel); }
  void unsubscribe(std::string_view route, std::string_view channel) override {
    at(route).unsubscribe(route, channel);
  }
  void set_handler(SubscriberHandler* h) override {
    for (auto& p : parts_) p->set_handler(h);
  }
  bool up(std::string_view route) const override { return at(route).up(route); }
  bool sharded() const override { return false; }
  void close() override {
    for (auto& p : parts_) p->close();
  }

 private:
  Client& at(std::string_view route) const {
    return *parts_[shard_of(route, static_cast<unsigned>(parts_.size()))];
  }
  std::vector<std::unique_ptr<Client>> parts_;
};

}  // namespace

std::unique_ptr<Client> make_sharded_over(std::vector<std::unique_ptr<Client>> parts) {
  if (parts.empty()) return nullptr;
  return std::make_unique<ShardsClient>(std::move(parts));
}

std::unique_ptr<Client> make_shards_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                           std::string name) {
  std::vector<std::unique_ptr<Client>> parts;
  for (std::size_t i = 0; i < cfg.addresses.size(); ++i) {
    config::RedisConfig one = cfg;
    one.mode = config::RedisMode::standalone;
    one.addresses = {cfg.addresses[i]};
    parts.push_back(make_standalone_client(one, ex, name + (name.empty() ? "" : " ") + "shard" + std::to_string(i)));
  }
  return make_sharded_over(std::move(parts));
}

}  // namespace strata::redis

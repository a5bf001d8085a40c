// Linking stub: replaced by the cluster client (in progress on redis-cluster).
#include "config/redis.hpp"
#include "redis/client.hpp"

namespace strata::redis {
namespace {

class StubClusterClient final : public Client {
 public:
  void command(std::string_view, std::vector<std::string>, Callback cb) override { cb(Result{Errc::disconnected, {}}); }
  void eval(std::string_view, const Script&, std::vector<std::string>, std::vector<std::string>, Callback cb) override {
    cb(Result{Errc::disconnected, {}});
  }
  void subscribe(std::string_view, std::string_view) override {}
  void unsubscribe(std::string_view, std::string_view) override {}
  void set_handler(SubscriberHandler*) override {}
  bool up(std::string_view) const override { return false; }
  bool sharded() const override { return true; }
  void close() override {}
};

}  // namespace

std::unique_ptr<Client> make_cluster_client(const config::RedisConfig&, boost::asio::any_io_executor, std::string) {
  return std::make_unique<StubClusterClient>();
}

}  // namespace strata::redis

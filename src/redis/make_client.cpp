// make_client: the Client for cfg.mode (redis/client.hpp).
#include "config/redis.hpp"
#include "redis/client.hpp"

namespace strata::redis {

std::unique_ptr<Client> make_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                    std::string name) {
  switch (cfg.mode) {
    case config::RedisMode::standalone: return make_standalone_client(cfg, std::move(ex), std::move(name));
    case config::RedisMode::shards: return make_shards_client(cfg, std::move(ex), std::move(name));
    case config::RedisMode::cluster: return make_cluster_client(cfg, std::move(ex), std::move(name));
  }
  return make_standalone_client(cfg, std::move(ex), std::move(name));
}

}  // namespace strata::redis

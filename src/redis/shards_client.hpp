// Shards mode (config/redis.hpp RedisMode::shards): several standalone
// Redis, one standalone client per address (in `addresses` order, which
// must be the same on every node); a route goes to shard
// jump_bucket(route, shards), so all keys of one route live on one shard
// and adding a shard moves only 1/n of the routes. Pub/sub uses SUBSCRIBE
// on the route's shard. Thread: the executor's.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "redis/client.hpp"

namespace strata::redis {

// The shard serving `route` among `shards` (jump hash).
unsigned shard_of(std::string_view route, unsigned shards);

// A Client over already built per-shard clients (shard i = parts[i]).
// Used by make_shards_client and by tests with fake clients.
std::unique_ptr<Client> make_sharded_over(std::vector<std::unique_ptr<Client>> parts);

}  // namespace strata::redis

// TEMPORARY (branch hub-broker only): link stand-ins for redis-core /
// redis-cluster symbols until those branches are merged here. DELETE this
// file in the merge of redis-core (duplicate symbols otherwise).
#include <stdexcept>
#include <string>
#include <vector>

#include "config/redis.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"
#include "redis/slot.hpp"

namespace strata::redis {

std::string Result::error_text() const { return err == Errc::ok ? reply.str : "error"; }

Script::Script(std::string src) : source(std::move(src)) {}

unsigned jump_bucket(std::string_view key, unsigned buckets) {
  std::uint64_t h = std::hash<std::string_view>{}(key);
  std::int64_t b = -1, j = 0;
  while (j < std::int64_t(buckets)) {
    b = j;
    h = h * 2862933555777941757ULL + 1;
    j = std::int64_t(double(b + 1) * (double(1LL << 31) / double((h >> 33) + 1)));
  }
  return unsigned(b);
}

std::vector<std::string> partition_tags(unsigned partitions, bool) {
  std::vector<std::string> v;
  for (unsigned k = 0; k < partitions; ++k) v.push_back(std::to_string(k));
  return v;
}

std::unique_ptr<Client> make_client(const config::RedisConfig&, boost::asio::any_io_executor, std::string) {
  throw std::runtime_error("redis client not linked in this branch yet");
}

}  // namespace strata::redis

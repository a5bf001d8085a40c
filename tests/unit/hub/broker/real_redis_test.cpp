// Two hub "nodes" (two make_hub instances, one worker each, in this
// process) on a real redis-server started by the test: a publication on A
// reaches a subscriber on B in order; Redis killed -> B delivers its own
// publications with local positions; Redis back -> one resync push.
// Skipped when /usr/bin/redis-server is missing. Real network: waits are
// bounded loops over the io_contexts (at most a few seconds each).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "config/hub.hpp"
#include "config/redis.hpp"
#include "hub/broker/broker.hpp"
#include "hub/hub_impl.hpp"
#include "hub/worker_hub.hpp"
#include "unit/hub/fake_client.hpp"

namespace strata::test {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct RedisServer {
  int port = free_port();
  std::string pidfile = "/tmp/strata-hub-broker-test-" + std::to_string(::getpid()) + ".pid";
  bool start() {
    std::string cmd = "redis-server --port " + std::to_string(port) +
                      " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile " + pidfile +
                      " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return false;
    for (int i = 0; i < 100; ++i) {  // up to 5 s for the pid file
      std::ifstream in(pidfile);
      pid_t pid = 0;
      if (in >> pid && pid > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void stop() {
    std::ifstream in(pidfile);
    pid_t pid = 0;
    if (in >> pid && pid > 0) {
      ::kill(pid, SIGKILL);
      for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::unlink(pidfile.c_str());
  }
  ~RedisServer() { stop(); }
};

struct Node {
  boost::asio::io_context io{1};
  std::unique_ptr<hub::Hub> hub;
  Node(int redis_port, std::uint32_t node) {
    config::HubConfig cfg;
    cfg.namespaces.push_back(config::HubNamespace{.name = "", .history_size = 100, .anonymous = true});
    cfg.broker.type = config::HubBrokerType::redis;
    cfg.broker.prefix = "t" + std::to_string(redis_port);
    auto r = std::make_shared<config::RedisConfig>();
    r->addresses = {"127.0.0.1:" + std::to_string(redis_port)};
    r->reconnect_min = std::chrono::milliseconds(20);
    r->reconnect_max = std::chrono::milliseconds(100);
    r->command_timeout = std::chrono::milliseconds(500);
    hub::HubOptions opt;
    opt.redis = r;
    opt.node = node;
    opt.sweep_interval = std::chrono::milliseconds(100);
    hub = hub::make_hub({io.get_executor()}, std::make_shared<const config::HubConfig>(cfg), opt);
  }
  ~Node() {
    // Handlers the hub posted to itself (mailbox flushes hold raw pointers:
    // the hub must outlive the runs of its io_context) run while it lives;
    // then the Redis connections it drops close.
    io.restart();
    io.poll();
    hub.reset();
    io.restart();
    io.poll();
  }
  hub::WorkerHub& on() { return hub->on(0); }
  bool up() {
    auto* b = dynamic_cast<hub::WorkerHubImpl&>(hub->on(0)).broker();
    return b && b->up("x");
  }
};

// Removes a client from a node's hub when the test leaves its scope (also
// through a failed ASSERT), so no delivery still queued on the node can
// reach the client after it is gone (the hub keeps raw pointers).
struct Subscribed {
  Node& node;
  FakeHubClient& client;
  ~Subscribed() { node.on().remove(client); }
};

// Runs both nodes until `done()` or 15 s (a loaded 2-core CI machine).
template <class F>
bool run_until(Node& a, Node& b, F done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < until) {
    a.io.restart();
    b.io.restart();
    a.io.run_for(std::chrono::milliseconds(5));
    b.io.run_for(std::chrono::milliseconds(5));
    if (done()) return true;
  }
  return false;
}

TEST(HubBrokerRealRedis, CrossNodeOrderThenOutageAndResync) {
  if (::access("/usr/bin/redis-server", X_OK) != 0) GTEST_SKIP() << "redis-server not installed";
  RedisServer redis;
  ASSERT_TRUE(redis.start());
  Node a(redis.port, 0xa), b(redis.port, 0xb);
  run_until(a, b, [] { return true; });
  if (!dynamic_cast<hub::WorkerHubImpl&>(b.on()).broker()) GTEST_SKIP() << "no Redis client linked in this build";
  ASSERT_TRUE(run_until(a, b, [&] { return a.up() && b.up(); }));

  FakeHubClient sub(1);
  Subscribed sub_guard{b, sub};
  std::optional<hub::SubscribeResult> sr;
  b.on().subscribe(sub, "news", std::nullopt, [&](hub::SubscribeResult r) { sr = std::move(r); });
  ASSERT_TRUE(run_until(a, b, [&] { return sr.has_value(); }));
  ASSERT_EQ(sr->error, hub::Error::none);
  EXPECT_EQ(sr->position.offset, 0u);
  const std::string epoch = sr->position.epoch;
  EXPECT_EQ(epoch.find('~'), std::string::npos);

  std::vector<hub::PublishResult> pubs;
  for (int i = 1; i <= 50; ++i)
    a.on().publish(hub::PublishRequest{"news", std::to_string(i), nullptr},
                   [&](hub::PublishResult r) { pubs.push_back(r); });
  ASSERT_TRUE(run_until(a, b, [&] { return pubs.size() == 50 && sub.offsets().size() == 50; }));
  std::vector<std::uint64_t> want;
  for (std::uint64_t o = 1; o <= 50; ++o) want.push_back(o);
  EXPECT_EQ(sub.offsets(), want);
  EXPECT_EQ(pubs.back().position, (hub::Position{50, epoch}));
  EXPECT_EQ(sub.pushes.back()->epoch, epoch);

  // Recovery on A from the Redis stream.
  FakeHubClient late(2);
  Subscribed late_guard{a, late};
  std::optional<hub::SubscribeResult> lr;
  a.on().subscribe(late, "news", hub::Position{45, epoch}, [&](hub::SubscribeResult r) { lr = std::move(r); });
  ASSERT_TRUE(run_until(a, b, [&] { return lr.has_value(); }));
  EXPECT_TRUE(lr->recovered);
  EXPECT_EQ(lr->missed.size(), 5u);

  // Redis down: B keeps delivering its own publications, locally.
  redis.stop();
  ASSERT_TRUE(run_until(a, b, [&] { return !b.up(); }));
  std::optional<hub::PublishResult> local;
  b.on().publish(hub::PublishRequest{"news", "\"local\"", nullptr}, [&](hub::PublishResult r) { local = r; });
  ASSERT_TRUE(run_until(a, b, [&] { return local.has_value() && sub.pushes.size() == 51; }));
  EXPECT_EQ(local->position.offset, 51u);
  EXPECT_EQ(local->position.epoch, epoch + "~0000b");
  EXPECT_EQ(sub.pushes.back()->epoch, epoch + "~0000b");

  // Redis back (empty): B's subscriber is told once, at the new stream.
  ASSERT_TRUE(redis.start());
  ASSERT_TRUE(run_until(a, b, [&] { return sub.pushes.size() == 52; }));
  EXPECT_EQ(sub.pushes.back()->kind, hub::Push::Kind::resync);
  const std::string fresh = sub.pushes.back()->epoch;
  EXPECT_NE(fresh, epoch);
  EXPECT_EQ(fresh.find('~'), std::string::npos);
  // And cross-node delivery resumes.
  std::optional<hub::PublishResult> after;
  ASSERT_TRUE(run_until(a, b, [&] { return a.up(); }));
  a.on().publish(hub::PublishRequest{"news", "\"after\"", nullptr}, [&](hub::PublishResult r) { after = r; });
  ASSERT_TRUE(run_until(a, b, [&] { return sub.pushes.size() == 53; }));
  EXPECT_EQ(sub.pushes.back()->epoch, fresh);
  EXPECT_EQ(sub.pushes.back()->offset, sub.pushes[51]->offset + 1);
}

}  // namespace
}  // namespace strata::test

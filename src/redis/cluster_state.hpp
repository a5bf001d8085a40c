// Internal to redis/cluster_*.cpp: the cluster client's state (nodes, commands
// on their way, sharded subscriptions) shared by cluster_client.cpp (nodes,
// commands, pub/sub placement, the public object) and cluster_refresh.cpp
// (topology reads and their retry). Runs on one executor; not thread-safe.
#pragma once
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/redis.hpp"
#include "redis/cluster_client.hpp"
#include "redis/subscriber.hpp"

namespace strata::redis::cluster_detail {

namespace asio = boost::asio;
using std::chrono::milliseconds;

constexpr milliseconds kRetryFirst{250};  // re-read of an unsettled topology, doubling to kRetryMax
constexpr milliseconds kRetryMax{1000};
constexpr milliseconds kTryAgain{25};  // pause before retrying a TRYAGAIN, times the attempt

struct Impl;

// Forwards one master's pub/sub events to the client, tagged with the node.
class NodeHandler final : public SubscriberHandler {
 public:
  NodeHandler(std::weak_ptr<Impl> impl, std::string key) : impl_(std::move(impl)), key_(std::move(key)) {}
  void on_message(std::string_view channel, std::string_view payload) override;
  void on_subscribed(std::string_view channel) override;
  void on_interrupted(std::string_view channel) override;

 private:
  std::weak_ptr<Impl> impl_;
  std::string key_;
};

struct Node {
  explicit Node(const asio::any_io_executor& ex) : wait_timer(ex) {}
  Endpoint ep;
  std::string key;  // ep.to_string()
  std::unique_ptr<Connection> conn;
  std::unique_ptr<NodeHandler> handler;  // outlives ps (declared before it)
  std::unique_ptr<PubSubConnection> ps;
  // Up once, or the first connection timed out: commands no longer wait
  // for it (fail fast while down).
  bool settled = false;
  std::vector<std::function<void(bool up)>> waiters;  // for the first connection
  asio::steady_timer wait_timer;
};

// One command on its way (kept for redirects and the NOSCRIPT fallback).
struct Op {
  std::vector<std::string> args;
  Callback cb;
  unsigned slot = 0;
  unsigned redirects = 0;
  const Script* script = nullptr;  // eval(): EVALSHA, EVAL on NOSCRIPT
  std::string source;              // the script's source, for EVAL
  bool noscript_tried = false;
};
using OpPtr = std::shared_ptr<Op>;

struct Sub {
  unsigned slot = 0;
  std::string node;        // placed on (node key), "" = not placed
  bool confirmed = false;  // on_subscribed told and no on_interrupted since
  bool stale = false;      // the server dropped it (SUNSUBSCRIBE): place it again after the refresh
};

struct Impl : std::enable_shared_from_this<Impl> {
  Impl(const config::RedisConfig& c, asio::any_io_executor e, std::string n);

  asio::any_io_executor ex;
  config::RedisConfig cfg;
  std::string name;
  std::vector<Endpoint> seeds;
  ClusterTopology topo;
  bool have_topo = false;
  std::map<std::string, std::unique_ptr<Node>> nodes;
  std::unordered_map<std::string, Sub> subs;
  SubscriberHandler* handler = nullptr;
  std::deque<OpPtr> early;  // commands sent before the first topology
  bool refreshing = false, again = false, closed = false, last_ok = true, prune_posted = false;
  std::optional<Endpoint> prefer;  // ask this node first in the next refresh
  std::size_t reads = 0;
  asio::steady_timer periodic, retry;
  bool retry_armed = false;
  milliseconds retry_delay = kRetryFirst;

  std::weak_ptr<Impl> weak() { return weak_from_this(); }


  void start();
  void arm_periodic();

  // ---- nodes ----
  Node* find(const std::string& key);
  Node& ensure_node(const Endpoint& ep);
  bool is_master(const std::string& key) const;
  void node_state(const std::string& key, bool up);
  void flush_waiters(Node& n, bool up);
  // Runs f(true) once n's command connection is up, f(false) when it is
  // down after having been up (fail fast) or does not come up within
  // connect_timeout.
  void when_up(Node& n, std::function<void(bool)> f);

  // ---- commands ----
  void finish(const OpPtr& op, Errc e);
  // Sends op to `to` (or the master of its slot), with ASKING first when asked.
  void dispatch(const OpPtr& op, std::optional<Endpoint> to = {}, bool asking = false);
  void on_result(const OpPtr& op, const std::string& key, Result r);

  // ---- topology ----
  void refresh(std::optional<Endpoint> first = {});
  // Whom to ask: the preferred node, the nodes connected now, then the
  // known masters, replicas and seeds not known to be down.
  std::vector<Endpoint> candidates();
  void try_candidate(std::shared_ptr<std::vector<Endpoint>> cands, std::size_t i);
  void ask_topology(std::shared_ptr<std::vector<Endpoint>> cands, std::size_t i, const std::string& key,
                    bool slots);
  void refresh_done(bool ok);
  // Something a later read may fix: a master unreachable, slots without a
  // master, a subscription not (re)placed.
  bool unsettled();
  void schedule_retry();
  void apply(ClusterTopology t);

  // ---- pub/sub ----
  void tell_interrupted(const std::string& ch, Sub& sub);
  void move(const std::string& ch, Sub& sub, const Endpoint* to);
  void place(const std::string& ch, Sub& sub, const Endpoint& ep);
  Sub* placed_sub(const std::string& key, std::string_view ch);
  void ps_message(const std::string& key, std::string_view ch, std::string_view payload);
  void ps_subscribed(const std::string& key, std::string_view ch);
  void ps_interrupted(const std::string& key, std::string_view ch);
  // Drops nodes that are neither masters nor hold subscriptions (seeds and
  // replicas asked for the topology, masters that lost their slots).
  void post_prune();
  void close();
};

}  // namespace strata::redis::cluster_detail

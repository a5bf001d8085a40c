// Cluster client: reading the topology (CLUSTER SHARDS, or SLOTS before
// Redis 7) from one candidate node after another, applying it, and
// re-reading it periodically and, with backoff, while it is unsettled.
#include <spdlog/spdlog.h>

#include "redis/cluster_state.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/slot.hpp"

namespace strata::redis::cluster_detail {

void Impl::start() {
  refresh();
  arm_periodic();
}

void Impl::arm_periodic() {
  if (cfg.topology_refresh.count() <= 0) return;
  periodic.expires_after(cfg.topology_refresh);
  periodic.async_wait([w = weak()](boost::system::error_code ec) {
    auto s = w.lock();
    if (ec || !s || s->closed) return;
    s->refresh();
    s->arm_periodic();
  });
}

void Impl::refresh(std::optional<Endpoint> first) {
  if (closed) return;
  if (first) prefer = first;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  again = false;
  RedisMetrics::get().topology_refreshes.inc();
  try_candidate(std::make_shared<std::vector<Endpoint>>(candidates()), 0);
}

std::vector<Endpoint> Impl::candidates() {
  std::vector<Endpoint> out;
  auto add = [&](const Endpoint& ep) {
    for (const auto& e : out)
      if (e == ep) return;
    out.push_back(ep);
  };
  if (prefer) add(*prefer);
  prefer.reset();
  for (auto& [k, n] : nodes)
    if (n->conn->up()) add(n->ep);
  auto maybe = [&](const Endpoint& ep) {
    auto* n = find(ep.to_string());
    if (!n || !n->settled) add(ep);
  };
  for (const auto& sh : topo.shards()) maybe(sh.master);
  for (const auto& sh : topo.shards())
    for (const auto& r : sh.replicas) maybe(r);
  for (const auto& s : seeds) maybe(s);
  return out;
}

void Impl::try_candidate(std::shared_ptr<std::vector<Endpoint>> cands, std::size_t i) {
  if (closed) return;
  if (i >= cands->size()) return refresh_done(false);
  Node& n = ensure_node((*cands)[i]);
  when_up(n, [w = weak(), cands, i, key = n.key](bool up) {
    auto s = w.lock();
    if (!s || s->closed) return;
    if (!up || !s->find(key)) return s->try_candidate(cands, i + 1);
    s->ask_topology(cands, i, key, false);
  });
}

void Impl::refresh_done(bool ok) {
  refreshing = false;
  if (ok) {
    ++reads;
    if (!last_ok) spdlog::info("redis {}: cluster topology read again", name);
  } else {
    if (last_ok) spdlog::warn("redis {}: no node gave a usable CLUSTER SHARDS/SLOTS reply; retrying", name);
    if (!have_topo) {
      auto ops = std::move(early);
      early.clear();
      for (auto& op : ops) finish(op, Errc::disconnected);
    }
  }
  last_ok = ok;
  if (again) return refresh();
  if (!ok || unsettled())
    schedule_retry();
  else
    retry_delay = kRetryFirst;
}

bool Impl::unsettled() {
  if (!have_topo || topo.covered() < kSlots) return true;
  for (const auto& m : topo.masters()) {
    auto* n = find(m.to_string());
    if (!n || !n->conn->up()) return true;
  }
  for (const auto& [ch, sub] : subs)
    if (sub.node.empty() || sub.stale) return true;
  return false;
}

void Impl::schedule_retry() {
  if (retry_armed || closed) return;
  retry_armed = true;
  retry.expires_after(retry_delay);
  retry_delay = std::min(retry_delay * 2, kRetryMax);
  retry.async_wait([w = weak()](boost::system::error_code ec) {
    auto s = w.lock();
    if (!s) return;
    s->retry_armed = false;
    if (!ec && !s->closed) s->refresh();
  });
}

void Impl::apply(ClusterTopology t) {
  bool changed = !have_topo || !topo.same_masters(t);
  topo = std::move(t);
  have_topo = true;
  if (changed)
    spdlog::info("redis {}: cluster topology: {} masters, {} of {} slots served", name, topo.masters().size(),
                 topo.covered(), kSlots);
  for (const auto& m : topo.masters()) ensure_node(m);
  for (auto& [ch, sub] : subs) {
    const Endpoint* m = topo.master_of(sub.slot);
    std::string want = m ? m->to_string() : std::string();
    if (want != sub.node || (sub.stale && m)) move(ch, sub, m);
  }
  auto ops = std::move(early);
  early.clear();
  for (auto& op : ops) dispatch(op);
  post_prune();
}

void Impl::ask_topology(std::shared_ptr<std::vector<Endpoint>> cands, std::size_t i, const std::string& key,
                        bool slots) {
  Node* n = find(key);
  if (!n) return try_candidate(cands, i + 1);
  std::vector<std::string> cmd{"CLUSTER", slots ? "SLOTS" : "SHARDS"};
  n->conn->command(std::move(cmd), [w = weak(), cands, i, key, slots](Result r) {
    auto s = w.lock();
    if (!s || s->closed) return;
    Node* node = s->find(key);
    if (r.err != Errc::ok || !node) return s->try_candidate(cands, i + 1);
    if (!slots && r.reply.is_error() &&
        (r.reply.str.find("nknown subcommand") != std::string::npos ||
         r.reply.str.find("nknown command") != std::string::npos))
      return s->ask_topology(cands, i, key, true);  // Redis < 7.0
    ClusterTopology t;
    std::string err;
    TopologyContext ctx{node->ep, s->cfg.tls};
    bool ok = slots ? parse_cluster_slots(r.reply, ctx, t, err) : parse_cluster_shards(r.reply, ctx, t, err);
    if (!ok) {
      if (!r.reply.is_error()) RedisMetrics::get().malformed.inc();
      spdlog::error("redis {}: bad topology from {}: {}", s->name, key, err);
      return s->try_candidate(cands, i + 1);
    }
    if (t.empty()) {
      spdlog::warn("redis {}: {} reports no slot served; asking another node", s->name, key);
      return s->try_candidate(cands, i + 1);
    }
    s->apply(std::move(t));
    s->refresh_done(true);
  });
}

}  // namespace strata::redis::cluster_detail

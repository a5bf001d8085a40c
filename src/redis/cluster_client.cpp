// Cluster client (redis/cluster_client.hpp): nodes, routing with MOVED/ASK,
// sharded pub/sub placement and its moves on failover/migration; topology
// reads are in cluster_refresh.cpp.
#include "redis/cluster_client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "redis/cluster_state.hpp"
#include "redis/redis_metrics.hpp"
#include "redis/slot.hpp"

namespace strata::redis {
namespace cluster_detail {

Impl::Impl(const config::RedisConfig& c, asio::any_io_executor e, std::string n)
    : ex(std::move(e)), cfg(c), name(std::move(n)), periodic(ex), retry(ex) {
  for (const auto& a : cfg.addresses) {
    Endpoint ep;
    if (parse_endpoint(a, ep))
      seeds.push_back(ep);
    else
      spdlog::error("redis {}: bad cluster seed address '{}' ignored", name, a);
  }
}

Node* Impl::find(const std::string& key) {
  auto it = nodes.find(key);
  return it == nodes.end() ? nullptr : it->second.get();
}

Node& Impl::ensure_node(const Endpoint& ep) {
  auto key = ep.to_string();
  if (auto* n = find(key)) return *n;
  auto node = std::make_unique<Node>(ex);
  node->ep = ep;
  node->key = key;
  node->conn = std::make_unique<Connection>(ex, ep, cfg, name);
  node->conn->on_state([w = weak(), key](bool up) {
    if (auto s = w.lock()) s->node_state(key, up);
  });
  return *nodes.emplace(key, std::move(node)).first->second;
}

bool Impl::is_master(const std::string& key) const {
  for (const auto& sh : topo.shards())
    if (!sh.slots.empty() && sh.master.to_string() == key) return true;
  return false;
}

void Impl::node_state(const std::string& key, bool up) {
  auto* n = find(key);
  if (!n || closed) return;
  if (up) {
    n->settled = true;
    n->wait_timer.cancel();
    flush_waiters(*n, true);
    return;
  }
  if (is_master(key)) {
    spdlog::warn("redis {}: master {} lost; reading the cluster topology", name, key);
    refresh();
  }
}

void Impl::flush_waiters(Node& n, bool up) {
  auto w = std::move(n.waiters);
  n.waiters.clear();
  for (auto& f : w) f(up);
}

void Impl::when_up(Node& n, std::function<void(bool)> f) {
  if (n.conn->up()) return f(true);
  if (n.settled || n.waiters.size() >= cfg.max_pending) return f(false);
  bool first = n.waiters.empty();
  n.waiters.push_back(std::move(f));
  if (!first) return;
  n.wait_timer.expires_after(cfg.connect_timeout + milliseconds(50));
  n.wait_timer.async_wait([w = weak(), key = n.key](boost::system::error_code ec) {
    auto s = w.lock();
    if (ec || !s || s->closed) return;
    if (auto* node = s->find(key)) {
      node->settled = true;
      s->flush_waiters(*node, false);
    }
  });
}

void Impl::finish(const OpPtr& op, Errc e) {
  Result r;
  r.err = e;
  if (e != Errc::disconnected && e != Errc::closed) RedisMetrics::get().count(r);
  asio::post(ex, [cb = std::move(op->cb), r = std::move(r)]() mutable { cb(std::move(r)); });
}

void Impl::dispatch(const OpPtr& op, std::optional<Endpoint> to, bool asking) {
  if (closed) return finish(op, Errc::closed);
  if (!to) {
    if (!have_topo) {
      // Wait for the first read in progress; none (the last one
      // failed, the next is scheduled): fail fast.
      if (!refreshing) return finish(op, Errc::disconnected);
      if (early.size() >= cfg.max_pending) return finish(op, Errc::overloaded);
      early.push_back(op);
      return;
    }
    const Endpoint* m = topo.master_of(op->slot);
    if (!m) {
      refresh();
      return finish(op, Errc::redirected);
    }
    to = *m;
  }
  Node& n = ensure_node(*to);
  when_up(n, [w = weak(), op, key = n.key, asking](bool up) {
    auto s = w.lock();
    if (!s || s->closed) return op->cb(Result{Errc::closed, {}});
    Node* node = s->find(key);
    if (!up || !node) return s->finish(op, Errc::disconnected);
    if (asking) node->conn->command({"ASKING"}, [](Result) {});
    node->conn->command(op->args, [w, op, key](Result r) {
      auto s2 = w.lock();
      if (!s2) return op->cb(std::move(r));
      s2->on_result(op, key, std::move(r));
    });
  });
}

void Impl::on_result(const OpPtr& op, const std::string& key, Result r) {
  auto& m = RedisMetrics::get();
  if (r.err == Errc::closed && !closed) {
    // The node was dropped from the topology under the command: place it
    // again, unless it has used up its redirections (then it is one more).
    if (op->redirects >= cfg.max_redirects) return finish(op, Errc::redirected);
    ++op->redirects;
    return dispatch(op);
  }
  if (r.err == Errc::ok && r.reply.is_error()) {
    const std::string& e = r.reply.str;
    Endpoint from;
    if (auto* n = find(key)) from = n->ep;
    if (auto rd = parse_redirect(e, from)) {
      (rd->kind == Redirect::Kind::moved ? m.moved : m.ask).inc();
      if (op->redirects >= cfg.max_redirects) {
        spdlog::warn("redis {}: more than {} redirections for slot {}; giving up", name, cfg.max_redirects,
                     op->slot);
        return finish(op, Errc::redirected);
      }
      ++op->redirects;
      if (rd->kind == Redirect::Kind::moved) {
        refresh(from);  // the node that answered knows the new owner
        return dispatch(op, rd->to, false);
      }
      return dispatch(op, rd->to, true);
    }
    if (e.starts_with("TRYAGAIN") && op->redirects < cfg.max_redirects) {
      ++op->redirects;
      auto t = std::make_shared<asio::steady_timer>(ex, kTryAgain * op->redirects);
      t->async_wait([w = weak(), op, t](boost::system::error_code) {
        if (auto s = w.lock()) return s->dispatch(op);
        op->cb(Result{Errc::closed, {}});
      });
      return;
    }
    if (op->script && !op->noscript_tried && e.starts_with("NOSCRIPT")) {
      op->noscript_tried = true;
      op->args[0] = "EVAL";
      op->args[1] = op->script->source;
      if (auto* n = find(key)) return dispatch(op, n->ep, false);
      return dispatch(op);
    }
  }
  op->cb(std::move(r));
}

void Impl::tell_interrupted(const std::string& ch, Sub& sub) {
  if (!sub.confirmed) return;
  sub.confirmed = false;
  if (handler) handler->on_interrupted(ch);
}

void Impl::move(const std::string& ch, Sub& sub, const Endpoint* to) {
  if (!sub.node.empty()) {
    if (auto* n = find(sub.node); n && n->ps) n->ps->unsubscribe(ch);
    tell_interrupted(ch, sub);
    sub.node.clear();
  }
  if (to) place(ch, sub, *to);
}

void Impl::place(const std::string& ch, Sub& sub, const Endpoint& ep) {
  Node& n = ensure_node(ep);
  if (!n.ps) {
    n.handler = std::make_unique<NodeHandler>(weak(), n.key);
    n.ps = std::make_unique<PubSubConnection>(ex, ep, cfg, *n.handler, true, name);
  }
  sub.node = n.key;
  sub.stale = false;
  n.ps->subscribe(ch);
}

Sub* Impl::placed_sub(const std::string& key, std::string_view ch) {
  auto it = subs.find(std::string(ch));
  if (it == subs.end() || it->second.node != key) return nullptr;
  return &it->second;
}

void Impl::ps_message(const std::string& key, std::string_view ch, std::string_view payload) {
  if (handler && placed_sub(key, ch)) handler->on_message(ch, payload);
}

void Impl::ps_subscribed(const std::string& key, std::string_view ch) {
  Sub* sub = placed_sub(key, ch);
  if (!sub) return;
  sub->stale = false;
  if (sub->confirmed) return;
  sub->confirmed = true;
  if (handler) handler->on_subscribed(ch);
}

void Impl::ps_interrupted(const std::string& key, std::string_view ch) {
  Sub* sub = placed_sub(key, ch);
  if (!sub) return;
  tell_interrupted(std::string(ch), *sub);
  Node* n = find(key);
  if (n && n->ps && n->ps->up()) {
    // The server dropped it on a live connection: the slot moved.
    sub->stale = true;
    refresh(n->ep);
  } else {
    refresh();
  }
}

void Impl::post_prune() {
  if (prune_posted) return;
  prune_posted = true;
  asio::post(ex, [w = weak()] {
    auto s = w.lock();
    if (!s) return;
    s->prune_posted = false;
    if (s->closed || s->refreshing) return;
    std::vector<std::unique_ptr<Node>> gone;
    for (auto it = s->nodes.begin(); it != s->nodes.end();) {
      Node& n = *it->second;
      bool keep = s->is_master(n.key) || !n.waiters.empty() || (n.ps && n.ps->channels() > 0);
      if (keep) {
        ++it;
      } else {
        gone.push_back(std::move(it->second));
        it = s->nodes.erase(it);
      }
    }
    gone.clear();  // closes them (their commands in flight are sent again)
  });
}

void Impl::close() {
  if (closed) return;
  closed = true;
  periodic.cancel();
  retry.cancel();
  auto ops = std::move(early);
  early.clear();
  for (auto& op : ops) finish(op, Errc::closed);
  auto all = std::move(nodes);
  nodes.clear();
  subs.clear();
  for (auto& [k, n] : all) {
    n->wait_timer.cancel();
    flush_waiters(*n, false);
    if (n->ps) n->ps->close();
    n->conn->close();
  }
}

void NodeHandler::on_message(std::string_view channel, std::string_view payload) {
  if (auto s = impl_.lock()) s->ps_message(key_, channel, payload);
}
void NodeHandler::on_subscribed(std::string_view channel) {
  if (auto s = impl_.lock()) s->ps_subscribed(key_, channel);
}
void NodeHandler::on_interrupted(std::string_view channel) {
  if (auto s = impl_.lock()) s->ps_interrupted(key_, channel);
}

}  // namespace cluster_detail

namespace {

using namespace cluster_detail;

class ClusterClientImpl final : public ClusterClient {
 public:
  ClusterClientImpl(const config::RedisConfig& cfg, asio::any_io_executor ex, std::string name)
      : impl_(std::make_shared<Impl>(cfg, std::move(ex), std::move(name))) {
    impl_->start();
  }
  ~ClusterClientImpl() override { impl_->close(); }

  void command(std::string_view route, std::vector<std::string> args, Callback cb) override {
    auto op = std::make_shared<Op>();
    op->args = std::move(args);
    op->cb = std::move(cb);
    op->slot = key_slot(route);
    impl_->dispatch(op);
  }

  void eval(std::string_view route, const Script& script, std::vector<std::string> keys,
            std::vector<std::string> args, Callback cb) override {
    auto op = std::make_shared<Op>();
    op->args.reserve(3 + keys.size() + args.size());
    op->args.push_back("EVALSHA");
    op->args.push_back(script.sha1);
    op->args.push_back(std::to_string(keys.size()));
    for (auto& k : keys) op->args.push_back(std::move(k));
    for (auto& a : args) op->args.push_back(std::move(a));
    op->cb = std::move(cb);
    op->slot = key_slot(route);
    op->script = &script;
    impl_->dispatch(op);
  }

  void subscribe(std::string_view route, std::string_view channel) override {
    auto& s = *impl_;
    if (s.closed) return;
    if (!s.handler) {
      spdlog::error("redis {}: subscribe('{}') before set_handler(); ignored", s.name, channel);
      return;
    }
    auto [it, fresh] = s.subs.try_emplace(std::string(channel));
    if (!fresh) return;
    it->second.slot = key_slot(route);
    if (!s.have_topo) return;  // placed when the topology arrives (a read is in progress or scheduled)
    if (const Endpoint* m = s.topo.master_of(it->second.slot))
      s.place(it->first, it->second, *m);
    else
      s.refresh();
  }

  void unsubscribe(std::string_view, std::string_view channel) override {
    auto& s = *impl_;
    auto it = s.subs.find(std::string(channel));
    if (it == s.subs.end()) return;
    if (auto* n = s.find(it->second.node); n && n->ps) n->ps->unsubscribe(channel);
    s.subs.erase(it);
  }

  void set_handler(SubscriberHandler* h) override { impl_->handler = h; }

  bool up(std::string_view route) const override {
    auto& s = *impl_;
    if (!s.have_topo || s.closed) return false;
    const Endpoint* m = s.topo.master_of(key_slot(route));
    if (!m) return false;
    auto* n = s.find(m->to_string());
    return n && n->conn->up();
  }

  bool sharded() const override { return true; }
  void close() override { impl_->close(); }

  const ClusterTopology& topology() const override { return impl_->topo; }
  void refresh() override { impl_->refresh(); }
  std::size_t topology_reads() const override { return impl_->reads; }
  std::string placed_on(std::string_view channel) const override {
    auto it = impl_->subs.find(std::string(channel));
    return it == impl_->subs.end() ? std::string() : it->second.node;
  }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace

std::unique_ptr<ClusterClient> make_cluster(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                            std::string name) {
  return std::make_unique<ClusterClientImpl>(cfg, std::move(ex), std::move(name));
}

std::unique_ptr<Client> make_cluster_client(const config::RedisConfig& cfg, boost::asio::any_io_executor ex,
                                            std::string name) {
  return make_cluster(cfg, std::move(ex), std::move(name));
}

}  // namespace strata::redis

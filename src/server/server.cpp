#include "server/server.hpp"

#include <unistd.h>

#include <future>
#include <exception>
#include <thread>

#include <boost/asio/ssl/context.hpp>
#include <spdlog/spdlog.h>

#include "admin/admin_auth.hpp"
#include "admin/admin_handler.hpp"
#include "admin/admin_tls.hpp"
#include "cache/purge_bus.hpp"
#include "hub/api/publish_api.hpp"
#include "hub/auth/jwt_verifier.hpp"
#include "hub/hub_impl.hpp"
#include "hub/transport/session.hpp"
#include "io/address.hpp"
#include "io/send_batch.hpp"
#include "io/tls_context.hpp"
#include "io/udp.hpp"
#include "io/worker.hpp"
#include "quic/endpoint.hpp"
#include "quic/tls_server.hpp"
#include "router/pipeline.hpp"
#include "security/listener_gate.hpp"
#include "server/cache_setup.hpp"
#include "server/listener_context.hpp"

namespace strata::server {

namespace asio = boost::asio;

constexpr std::string_view kAdminName = "admin";

struct Server::OpenListener {
  std::vector<int> fds;                   // one per worker, handed over on apply
  asio::ip::tcp::endpoint endpoint;
  std::shared_ptr<asio::ssl::context> tls;
  std::string name;
  // HTTP/3: UDP sockets on the same port (new ones only), the cross-worker
  // group (kept across reloads) and this generation's QUIC TLS.
  std::vector<int> udp_fds;
  std::shared_ptr<quic::EndpointGroup> quic_group;
  std::shared_ptr<const quic::TlsServer> quic_tls;
  // The admin listener: its bearer token, read once per reload ("" = none).
  std::string admin_token;
};

struct Server::WorkerSlot {
  // First: hub sessions destroyed with the worker's io_context unregister here.
  std::unique_ptr<hub::transport::HubEnv> hub_env;
  std::unique_ptr<io::Worker> worker;
  std::shared_ptr<upstream::Upstreams> upstreams;
  std::map<std::string, std::shared_ptr<ListenerContext>> listeners;  // by address
};

std::vector<config::Listener> effective_listeners(const config::Config& cfg) {
  auto out = cfg.listeners;
  if (cfg.admin) {
    config::Listener a;
    a.name = std::string(kAdminName);
    a.address = cfg.admin->address;
    a.protocols = {"h1", "h2c"};
    // Client-certificate auth: the admin listener speaks TLS (admin/admin_tls.hpp).
    if (auto t = admin::admin_listener_tls(cfg.admin->auth)) {
      a.tls = std::move(t);
      a.protocols = {"h1", "h2"};
    }
    out.push_back(std::move(a));
  }
  return out;
}

namespace {
// Listeners are reconciled across reloads by name and address: the same
// pair keeps its sockets; port 0 addresses stay distinct by name.
std::string listener_key(const config::Listener& l) { return l.name + "@" + l.address; }

std::vector<std::string> alpn_for(const config::Listener& l) {
  std::vector<std::string> alpn;
  if (l.has("h2")) alpn.push_back("h2");
  if (l.has("h1") || alpn.empty()) alpn.push_back("http/1.1");
  return alpn;
}
}  // namespace

Server::Server(HandlerFactory factory) : factory_(std::move(factory)) {}

Server::~Server() { stop(); }

std::shared_ptr<const config::Config> Server::config() const {
  std::lock_guard lk(mu_);
  return config_;
}

std::vector<BoundListener> Server::bound() const {
  std::lock_guard lk(mu_);
  std::vector<BoundListener> out;
  for (const auto& [addr, ol] : listeners_)
    out.push_back({ol.name, addr, ol.endpoint, ol.tls != nullptr, ol.quic_group != nullptr});
  return out;
}

void Server::start(std::shared_ptr<const config::Config> cfg) {
  unsigned n = cfg->workers ? cfg->workers : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    auto slot = std::make_unique<WorkerSlot>();
    slot->worker = std::make_unique<io::Worker>(i);
    slot->upstreams = upstream::Upstreams::create(slot->worker->executor(), i);
    slot->worker->start();
    workers_.push_back(std::move(slot));
  }
  std::vector<asio::any_io_executor> execs;
  for (auto& w : workers_) execs.push_back(w->worker->executor());
  hub::HubOptions hub_opt;
  // Multi-node hub (hub.broker.type redis): each worker connects with this.
  if (cfg->redis) hub_opt.redis = std::make_shared<const config::RedisConfig>(*cfg->redis);
  hub_ = hub::make_hub(std::move(execs), std::shared_ptr<const config::HubConfig>(cfg, &cfg->hub), hub_opt);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto env = std::make_unique<hub::transport::HubEnv>();
    env->hub = &hub_->on(unsigned(i));
    env->live = &hub_live_;
    env->connections = &connections_;
    workers_[i]->hub_env = std::move(env);
  }
  auto err = reload(cfg);
  if (!err.empty()) {
    stop();
    throw std::runtime_error(err);
  }
}

std::string Server::reload(std::shared_ptr<const config::Config> cfg) {
  if (draining_) return "draining";
  // 1. Open what is new and build TLS contexts; on failure, undo and keep
  //    the running generation untouched.
  std::map<std::string, OpenListener> next;
  try {
    for (const auto& l : effective_listeners(*cfg)) {
      OpenListener ol;
      ol.name = l.name;
      if (l.tls) ol.tls = io::make_server_tls_context(*l.tls, alpn_for(l), cfg->state_dir);
      if (l.name == kAdminName && cfg->admin && l.address == cfg->admin->address) {
        if (ol.tls && !cfg->admin->auth.client_ca_file.empty())
          admin::require_client_certificate(*ol.tls, cfg->admin->auth.client_ca_file);
        ol.admin_token = admin::read_admin_token(cfg->admin->auth);  // throws naming the file
      }
      auto it = listeners_.find(listener_key(l));
      if (it != listeners_.end()) {
        ol.endpoint = it->second.endpoint;
        ol.quic_group = it->second.quic_group;
      } else {
        auto hp = core::parse_host_port(l.address, true, nullptr, true);
        if (!hp) throw std::runtime_error("listener " + l.name + ": bad address " + l.address);
        auto ep = io::resolve_listen(*hp);
        ol.fds = io::open_reuseport_listeners(ep, unsigned(workers_.size()), 4096, &ol.endpoint);
      }
      if (l.tls && l.has("h3")) {
        ol.quic_tls = quic::TlsServer::create(*l.tls, cfg->state_dir, l.quic);
        if (!ol.quic_group) {
          asio::ip::udp::endpoint uep(ol.endpoint.address(), ol.endpoint.port());
          ol.udp_fds = io::open_reuseport_udp(uep, unsigned(workers_.size()));
          ol.quic_group = std::make_shared<quic::EndpointGroup>(unsigned(workers_.size()));
        }
        ol.quic_group->configure(l.quic);
      } else {
        ol.quic_group.reset();
      }
      next.emplace(listener_key(l), std::move(ol));
    }
  } catch (const std::exception& e) {
    for (auto& [a, ol] : next) {
      for (int fd : ol.fds) ::close(fd);
      for (int fd : ol.udp_fds) ::close(fd);
    }
    return e.what();
  }
  try {
    // Before the handlers are built: they may look the store up.
    configure_cache_store(*cfg);
    apply(cfg, next);
  } catch (const std::exception& e) {
    return std::string("applying configuration: ") + e.what();
  }
  {
    std::lock_guard lk(mu_);
    for (auto& [addr, ol] : next) {
      ol.fds.clear();
      ol.udp_fds.clear();
      if (auto it = listeners_.find(addr); it != listeners_.end() && ol.endpoint.port() == 0)
        ol.endpoint = it->second.endpoint;
    }
    listeners_ = std::move(next);
    config_ = cfg;
  }
  cache::configure_purge_bus(*cfg);  // purges across nodes (cache/purge_bus.hpp)
  for (const auto& b : bound()) {
    spdlog::info("listener {} on {} ({})", b.name, io::to_string(b.endpoint), b.tls ? "tls" : "tcp");
    if (b.h3) spdlog::info("listener {} h3 on {} (udp)", b.name, io::to_string(b.endpoint));
  }
  return {};
}

void Server::apply(std::shared_ptr<const config::Config> cfg, std::map<std::string, OpenListener>& next) {
  auto listeners = std::make_shared<std::vector<config::Listener>>(effective_listeners(*cfg));
  io::SendBatch::set_capacity(cfg->limits.send_batch_bytes);  // each worker's next batch
  // New channel options apply to new subscriptions; live clients stay.
  if (hub_) hub_->apply(std::shared_ptr<const config::HubConfig>(cfg, &cfg->hub));
  // Token keys are (re-)read here: an unreadable key file fails the reload.
  std::shared_ptr<const hub::auth::TokenVerifier> verifier = hub::auth::make_verifier(cfg->hub);
  std::vector<std::future<void>> done;
  for (std::size_t wi = 0; wi < workers_.size(); ++wi) {
    auto* slot = workers_[wi].get();
    // Per worker: the fd of each new listener for this worker.
    std::map<std::string, int> fds;
    std::map<std::string, int> udp_fds;
    std::map<std::string, const OpenListener*> opened;
    for (auto& [addr, ol] : next) {
      if (!ol.fds.empty()) fds[addr] = ol.fds[wi];
      if (!ol.udp_fds.empty()) udp_fds[addr] = ol.udp_fds[wi];
      opened[addr] = &ol;
    }
    auto p = std::make_shared<std::promise<void>>();
    done.push_back(p->get_future());
    // `next` outlives the tasks: apply() waits for every worker below.
    auto task = [this, slot, wi, cfg, listeners, fds, udp_fds, opened, p, verifier] {
      try {
        slot->upstreams->apply(cfg);
        // Live connections keep their session; new tokens use the new keys.
        if (slot->hub_env) slot->hub_env->verifier = verifier;
        std::map<std::string, std::shared_ptr<ListenerContext>> keep;
        for (const auto& l : *listeners) {
          auto snap = std::make_shared<conn::Snapshot>();
          snap->config = cfg;
          snap->listener = nullptr;
          for (const auto& cl : cfg->listeners)
            if (listener_key(cl) == listener_key(l)) snap->listener = &cl;
          if (!snap->listener) {  // the synthesized admin listener
            auto owned = std::make_shared<const config::Listener>(l);
            snap->listener = owned.get();
            snap->keep = owned;
          }
          const OpenListener& ol = *opened.at(listener_key(l));
          snap->tls = ol.tls;
          snap->quic_tls = ol.quic_tls;
          snap->gate = security::make_listener_gate(*snap->listener);
          if (ol.quic_tls && l.alt_svc)
            snap->alt_svc = "h3=\":" + std::to_string(ol.endpoint.port()) +
                            "\"; ma=" + std::to_string(l.quic.alt_svc_max_age);
          if (l.name == kAdminName && snap->keep)
            snap->handler = admin::make_admin_handler(cfg, [this] { return draining(); },
                                                      slot->hub_env ? slot->hub_env->hub : nullptr,
                                                      opened.at(listener_key(l))->admin_token);
          else if (factory_)
            snap->handler = factory_(cfg, *snap->listener, slot->upstreams);
          else
            snap->handler = router::make_pipeline(cfg, *snap->listener, slot->upstreams, snap->alt_svc,
                                                  slot->hub_env.get());
          std::shared_ptr<const conn::Snapshot> final_snap = snap;
          std::shared_ptr<ListenerContext> ctx;
          if (auto it = slot->listeners.find(listener_key(l)); it != slot->listeners.end()) {
            ctx = it->second;
            ctx->set_snapshot(final_snap);
          } else {
            int fd = fds.at(listener_key(l));
            auto ep_v6 = true;
            sockaddr_storage ss{};
            socklen_t len = sizeof ss;
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
            ep_v6 = ss.ss_family == AF_INET6;
            ctx = std::make_shared<ListenerContext>(slot->worker->executor(), fd, ep_v6, connections_);
            ctx->set_snapshot(final_snap);
            ctx->start();
          }
          if (auto u = udp_fds.find(listener_key(l)); u != udp_fds.end()) {
            if (ctx->has_quic()) ctx->detach_quic();
            ctx->attach_quic(u->second, unsigned(wi), ol.quic_group);
          } else if (!ol.quic_group && ctx->has_quic()) {
            ctx->detach_quic();
          }
          keep[listener_key(l)] = ctx;
        }
        for (auto& [addr, ctx] : slot->listeners)
          if (!keep.count(addr)) ctx->drain();  // removed listener: close and wind down
        slot->listeners = std::move(keep);
        p->set_value();
      } catch (...) {
        p->set_exception(std::current_exception());
      }
    };
    if (slot->worker->on_thread()) task();
    else slot->worker->post(task);
  }
  // Every task must have finished before `next` (which they read) goes
  // away, also when one of them failed: wait for all, then report the first
  // failure.
  std::exception_ptr first;
  for (auto& f : done) {
    try {
      f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

void Server::drain(std::chrono::milliseconds timeout) {
  if (draining_.exchange(true)) return;
  spdlog::info("draining: {} connections, timeout {} ms", connections_.load(), timeout.count());
  auto cfg = config();
  const auto spread = cfg ? cfg->hub.drain_spread : std::chrono::milliseconds(0);
  for (auto& w : workers_) {
    auto* slot = w.get();
    slot->worker->post([slot, spread] {
      for (auto& [addr, ctx] : slot->listeners) ctx->drain();
      // Hub clients close with 1012 "reconnect", spread over hub.drain_spread.
      if (slot->hub_env) slot->hub_env->drain(spread);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((connections_.load() > 0 || hub_live_.load() > 0) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  spdlog::info("drained; {} connections, {} hub clients left", connections_.load(), hub_live_.load());
  stop();
}

void Server::stop() {
  cache::stop_purge_bus();
  for (auto& w : workers_) {
    auto* slot = w.get();
    slot->worker->post([slot] {
      for (auto& [addr, ctx] : slot->listeners) ctx->stop_accepting();
      slot->listeners.clear();
      slot->upstreams->stop();
    });
  }
  for (auto& w : workers_) w->worker->stop();
  for (auto& w : workers_) w->worker->join();
  // The threads are gone: close what hub clients are left (they leave the
  // hub and stop their timers), then the hub goes while the io_contexts
  // its timers use still exist.
  for (auto& w : workers_)
    if (w->hub_env) w->hub_env->close_all();
  hub_.reset();
  // The threads are gone: break what only the (maybe never run) stop tasks
  // above would have broken.
  for (auto& w : workers_)
    for (auto& [addr, ctx] : w->listeners) ctx->abandon_quic();
  workers_.clear();
}

}  // namespace strata::server

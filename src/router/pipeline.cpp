// The per-listener request pipeline: context, filters, route, act, log.
#include "router/pipeline.hpp"

#include "core/loop_clock.hpp"
#include <chrono>
#include <optional>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cache/cached_proxy.hpp"
#include "filter/chain_builder.hpp"
#include "filter/compression/compression_filter.hpp"
#include "filter/early_hints.hpp"
#include "filter/filter_exchange.hpp"
#include "filter/local_reply.hpp"
#include "http/context.hpp"
#include "http/tunnel.hpp"
#include "hub/api/publish_api.hpp"
#include "hub/transport/serve.hpp"
#include "hub/transport/session.hpp"
#include "obs/metrics.hpp"
#include "router/actions/files.hpp"
#include "router/actions/redirect.hpp"
#include "router/route_table.hpp"
#include "security/client_address.hpp"
#include "security/filters.hpp"
#include "security/rule_filter.hpp"
#include "upstream/tunnel/connect.hpp"

namespace strata::router {

namespace {

using filter::Phase;

struct RouteRuntime {
  std::unique_ptr<FilesHandler> files;
  filter::Chain chain;
  std::optional<cache::CachedRoute> cached;  // proxy route with `cache:`
  // 103 Early Hints (also in `chain` when it remembers links); null when
  // the route neither configures links nor remembers them.
  std::shared_ptr<const filter::EarlyHintsFilter> hints;
};

class Pipeline final : public http::Handler {
 public:
  Pipeline(std::shared_ptr<const config::Config> cfg, const config::Listener& listener,
           std::shared_ptr<upstream::Upstreams> upstreams, const std::string& alt_svc,
           hub::transport::HubEnv* hub)
      : cfg_(std::move(cfg)), listener_(listener.name), upstreams_(std::move(upstreams)),
        hub_(hub), client_(listener.security.client) {
    static const std::vector<config::Route> kNoRoutes;
    const std::vector<config::Route>* routes = &kNoRoutes;
    if (!listener.routes.empty()) {
      auto it = cfg_->route_tables.find(listener.routes);
      if (it == cfg_->route_tables.end())
        throw RouteError(listener.loc, "listener '" + listener.name + "' uses unknown route table '" +
                                           listener.routes + "'");
      routes = &it->second;
    }
    table_ = std::make_unique<RouteTable>(*routes, listener.routes);
    errors_ = &obs::counter("strata_pipeline_errors_total",
                            "Requests whose action failed with an exception",
                            {{"listener", listener_}});
    listener_chain_ = filter::build_listener_chain(listener, alt_svc,
                                                   security::listener_filters(listener),
                                                   security::make_rule_filter(cfg_->security.rules));

    runtime_.resize(table_->routes().size());
    for (std::size_t i = 0; i < table_->routes().size(); ++i) {
      const auto& cr = *table_->routes()[i];
      const auto& r = *cr.route;
      auto& rt = runtime_[i];
      if (const auto* p = std::get_if<config::ProxyAction>(&r.action)) {
        if (!cfg_->clusters.count(p->cluster))
          throw RouteError(r.loc, "route '" + cr.name + "' proxies to unknown cluster '" +
                                      p->cluster + "'");
        if (r.cache) {
          cache::CachedRoute c;
          c.action = p;
          c.cache = &*r.cache;
          c.storage_limit = cfg_->cache.max_object_bytes;
          c.owner = cfg_;
          rt.cached = std::move(c);
        }
      } else if (const auto* f = std::get_if<config::FilesAction>(&r.action)) {
        rt.files = std::make_unique<FilesHandler>(*f, r.loc);
      } else if (const auto* d = std::get_if<config::RedirectAction>(&r.action)) {
        if (d->status < 300 || d->status > 399)
          throw RouteError(r.loc, "redirect status must be 3xx");
      } else if (std::holds_alternative<config::HubApiAction>(r.action) && !api_) {
        try {  // one per generation: keys (and api_keys_file) as configured now
          api_ = hub::api::make_publish_api(cfg_->hub);
        } catch (const std::exception& e) {
          throw RouteError(r.loc, "route '" + cr.name + "': " + e.what());
        }
      } else if (const auto* s = std::get_if<config::RespondAction>(&r.action)) {
        if (s->status < 200 || s->status > 599)
          throw RouteError(r.loc, "respond status must be 200..599");
      }
      try {
        rt.chain = filter::build_route_chain(r, cr.name, security::route_filters(r, cr.name, cfg_->redis ? &*cfg_->redis : nullptr));
        if (!r.early_hints.links.empty() || r.early_hints.remember) {
          rt.hints = std::make_shared<filter::EarlyHintsFilter>(
              r.early_hints, cr.name, listener.routes + '\0' + cr.name);
          if (rt.hints->phases()) rt.chain.add(rt.hints);
        }
        if (rt.cached) {  // the cache stores the encoded variants this filter would make
          auto f = rt.chain.first_in(Phase::response_body);
          if (!f) f = listener_chain_.first_in(Phase::response_body);
          rt.cached->compression =
              std::dynamic_pointer_cast<const filter::compression::CompressionFilter>(f);
        }
      } catch (const std::exception& e) {  // invalid_argument; runtime_error: JWT keys
        throw RouteError(r.loc, "route '" + cr.name + "': " + e.what());
      }
    }
  }

  boost::asio::awaitable<void> handle(http::Exchange& ex) override {
    http::RequestContext ctx;
    ctx.listener = listener_;
    ctx.client_ip.assign(ex.conn().peer_ip);
    // Before any filter: a trusted proxy's X-Forwarded-For / Forwarded.
    if (auto c = client_.from_headers(ex.conn().peer_ip, ex.request().headers))
      ctx.client_ip.assign(*c);
    ctx.time.start = core::LoopClock::steady();
    filter::FilterExchange fx(ex, ctx, &listener_chain_);

    bool failed = false;
    bool connect_only = false;  // plain CONNECT: upstream/tunnel/connect
    try {
      auto reply = filter::run_request(Phase::request_pre_route, &listener_chain_, nullptr, fx, ctx);
      RouteMatch m;
      if (!reply) {
        m = table_->match(fx.request());
        if (fx.request().method == "CONNECT" &&  // first: no Upgrade-field scan for the rest
            http::tunnel_kind(fx.request()) == http::TunnelKind::connect) {
          // Plain CONNECT: only to the targets the matched route lists (else 405).
          if (m) ctx.route = m.route->name;
          if (fx.request().early_data)  // RFC 8470: never tunnel from replayable 0-RTT
            reply = filter::local_reply(425, "too-early", "too early: retry after the handshake\n");
          else
            connect_only = true;
        } else if (!m) {
          reply = filter::local_reply(404, "no-route", "no route\n");
        } else {
          ctx.route = m.route->name;
          ctx.early_hints_relay = m.route->route->early_hints.relay;
          const auto& rt = runtime_[m.route->index];
          fx.set_route_chain(&rt.chain);
          reply = filter::run_request(Phase::request_post_route, &listener_chain_, &rt.chain, fx, ctx);
        }
      }
      if (ctx.delay.count() > 0) {  // a request filter holds the answer back (tarpit)
        boost::asio::steady_timer wait(fx.executor(), ctx.delay);
        (void)co_await wait.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      }
      if (reply)
        co_await filter::send_local_reply(fx, reply);
      else if (connect_only)
        co_await upstream::tunnel::serve_connect(fx, m ? &m.route->route->connect : nullptr,
                                                 cfg_.get());
      else {
        const auto& route = *m.route->route;
        const auto& rt = runtime_[m.route->index];
        // RFC 9218: the route's default when the client sent no priority
        // field, on the codec's own exchange (decorators do not forward it).
        if (route.priority && !fx.request().headers.has("priority"))
          ex.set_priority(route.priority->urgency, route.priority->incremental);
        if (rt.hints) co_await rt.hints->send(fx);  // 103 before the action runs
        co_await run_action(fx, route, rt, m.matched_prefix);
      }
    } catch (const std::exception&) {
      failed = true;
    }
    if (failed) {
      errors_->inc();
      co_await filter::send_local_reply(fx, filter::local_reply(500, "internal-error",
                                                                "internal error\n"));
    }
    ctx.time.end = core::LoopClock::steady();
    filter::run_log(&listener_chain_, fx.route_chain(), fx, ctx);
  }

 private:
  // The route's action as the awaitable of the function that runs it: a
  // plain function, so the request's path has no frame of its own here.
  // Arguments are references into the caller's frame and the configuration.
  boost::asio::awaitable<void> run_action(http::Exchange& ex, const config::Route& r,
                                          const RouteRuntime& rt, std::string_view prefix) {
    switch (r.action.index()) {
      case 0: {
        const auto& a = std::get<config::ProxyAction>(r.action);
        if (!upstreams_) return answer(ex, 502, "no-upstreams", "no upstreams\n");
        if (rt.cached) return cache::cached_proxy(ex, upstreams_, *rt.cached, prefix);
        return upstreams_->proxy(ex, a, prefix);
      }
      case 1:
        return respond(ex, std::get<config::RespondAction>(r.action));
      case 2:
        return rt.files->serve(ex, prefix);
      case 3:
        return run_redirect(ex, std::get<config::RedirectAction>(r.action));
      case 4:
        if (!hub_) return answer(ex, 503, "no-hub", "the hub is not running here\n");
        return hub::transport::serve(ex, *hub_, std::get<config::HubAction>(r.action));
      case 5:
        if (!hub_ || !api_) return answer(ex, 503, "no-hub", "the hub is not running here\n");
        return hub::api::serve_api(ex, *api_, *hub_->hub, prefix);
    }
    return answer(ex, 500, "internal-error", "internal error\n");
  }

  // A local reply built in its own frame (`reason` and `body`: literals).
  static boost::asio::awaitable<void> answer(http::Exchange& ex, int status,
                                             std::string_view reason, std::string_view body) {
    co_await filter::send_local_reply(ex, filter::local_reply(status, reason, body));
  }

  static boost::asio::awaitable<void> respond(http::Exchange& ex, const config::RespondAction& a) {
    co_await filter::send_local_reply(
        ex, filter::local_reply(a.status, "respond", a.body, a.content_type, false));
  }

  std::shared_ptr<const config::Config> cfg_;  // keeps routes alive
  std::string listener_;
  std::shared_ptr<upstream::Upstreams> upstreams_;
  std::unique_ptr<RouteTable> table_;
  std::vector<RouteRuntime> runtime_;
  filter::Chain listener_chain_;
  obs::Counter* errors_ = nullptr;
  hub::transport::HubEnv* hub_ = nullptr;  // the worker's; outlives every generation
  std::shared_ptr<const hub::api::PublishApi> api_;  // when a route is `hub_api:`
  security::ClientAddressResolver client_;  // listener security.client
};

}  // namespace

std::shared_ptr<http::Handler> make_pipeline(std::shared_ptr<const config::Config> cfg,
                                             const config::Listener& listener,
                                             std::shared_ptr<upstream::Upstreams> upstreams,
                                             const std::string& alt_svc,
                                             hub::transport::HubEnv* hub) {
  return std::make_shared<Pipeline>(std::move(cfg), listener, std::move(upstreams), alt_svc, hub);
}

}  // namespace strata::router

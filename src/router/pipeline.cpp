// The per-listener request pipeline: route, edit, act, observe.
#include "router/pipeline.hpp"

#include <array>
#include <chrono>
#include <variant>

#include "http/tunnel.hpp"
#include "obs/access_log.hpp"
#include "obs/metrics.hpp"
#include "router/actions/files.hpp"
#include "router/actions/redirect.hpp"
#include "router/observed_exchange.hpp"
#include "router/route_table.hpp"
#include "upstream/tunnel/connect.hpp"

namespace strata::router {

namespace {

constexpr std::array<std::string_view, 4> kProtocols = {"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"};
constexpr std::array<std::string_view, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};

// Status class index 0..4; no head sent counts as 5xx (the codec answers
// 500 or resets the stream).
std::size_t status_class(int status) {
  if (status >= 100 && status < 600) return std::size_t(status / 100 - 1);
  return 4;
}

struct RouteRuntime {
  std::unique_ptr<FilesHandler> files;
  std::array<obs::Counter*, 5> responses{};
};

class Pipeline final : public http::Handler {
 public:
  Pipeline(std::shared_ptr<const config::Config> cfg, const config::Listener& listener,
           std::shared_ptr<upstream::Upstreams> upstreams)
      : cfg_(std::move(cfg)), listener_(listener.name), upstreams_(std::move(upstreams)) {
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

    for (std::size_t p = 0; p < kProtocols.size(); ++p)
      for (std::size_t c = 0; c < kClasses.size(); ++c)
        requests_[p][c] = &obs::counter(
            "strata_requests_total", "Requests answered, by listener, protocol and status class",
            {{"listener", listener_}, {"protocol", std::string(kProtocols[p])},
             {"code", std::string(kClasses[c])}});
    duration_ = &obs::histogram("strata_request_duration_seconds",
                                "Time from routing to the end of the handler",
                                {{"listener", listener_}});
    too_early_ = &obs::counter("strata_quic_early_data_total", "0-RTT early data decisions",
                               {{"outcome", "too_early"}});
    errors_ = &obs::counter("strata_pipeline_errors_total",
                            "Requests whose action failed with an exception",
                            {{"listener", listener_}});

    runtime_.resize(table_->routes().size());
    for (std::size_t i = 0; i < table_->routes().size(); ++i) {
      const auto& cr = *table_->routes()[i];
      const auto& r = *cr.route;
      auto& rt = runtime_[i];
      if (const auto* p = std::get_if<config::ProxyAction>(&r.action)) {
        if (!cfg_->clusters.count(p->cluster))
          throw RouteError(r.loc, "route '" + cr.name + "' proxies to unknown cluster '" +
                                      p->cluster + "'");
      } else if (const auto* f = std::get_if<config::FilesAction>(&r.action)) {
        rt.files = std::make_unique<FilesHandler>(*f, r.loc);
      } else if (const auto* d = std::get_if<config::RedirectAction>(&r.action)) {
        if (d->status < 300 || d->status > 399)
          throw RouteError(r.loc, "redirect status must be 3xx");
      } else if (const auto* s = std::get_if<config::RespondAction>(&r.action)) {
        if (s->status < 200 || s->status > 599)
          throw RouteError(r.loc, "respond status must be 200..599");
      }
      for (std::size_t c = 0; c < kClasses.size(); ++c)
        rt.responses[c] = &obs::counter("strata_responses_by_route_total",
                                        "Responses by route and status class",
                                        {{"route", cr.name}, {"code", std::string(kClasses[c])}});
    }
  }

  static bool early_safe(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS";
  }

  boost::asio::awaitable<void> handle(http::Exchange& ex) override {
    const auto start = std::chrono::steady_clock::now();
    ObservedExchange ox(ex);
    auto& req = ox.request();
    const auto m = table_->match(req);
    const std::size_t idx = m ? index_of(m.route) : 0;

    bool failed = false;
    try {
      if (http::tunnel_kind(req) == http::TunnelKind::connect) {
        // Plain CONNECT: only to the targets the matched route lists (else 405).
        if (m) ox.set_route(m.route);
        if (req.early_data) {  // RFC 8470: never tunnel from replayable 0-RTT
          too_early_->inc();
          co_await http::respond(ox, 425, "too early: retry after the handshake\n");
        } else {
          co_await upstream::tunnel::serve_connect(ox, m ? &m.route->route->connect : nullptr,
                                                   cfg_.get());
        }
      } else if (!m) {
        co_await http::respond(ox, 404, "no route\n");
      } else {
        const auto& r = *m.route->route;
        ox.set_route(m.route);
        if (req.early_data && !r.early_data && !early_safe(req.method)) {
          // RFC 8470: an unsafe request in 0-RTT could be replayed; the client
          // retries it after the handshake.
          too_early_->inc();
          co_await http::respond(ox, 425, "too early: retry after the handshake\n");
        } else {
          for (const auto& n : r.request_headers_remove) req.headers.remove(n);
          for (const auto& [k, v] : r.request_headers_add) req.headers.set(k, v);
          if (req.early_data) req.headers.set("early-data", "1");  // RFC 8470 5.1
          co_await run_action(ox, r, runtime_[idx], m.matched_prefix);
        }
      }
    } catch (const std::exception&) {
      failed = true;
    }
    if (failed) {
      errors_->inc();
      if (!ox.head_sent()) co_await http::respond(ox, 500, "internal error\n");
      else if (!ox.finished()) ox.reset();
    }

    const auto end = std::chrono::steady_clock::now();
    const int status = ox.status();
    const std::size_t cls = status_class(status);
    requests_[std::size_t(req.protocol) & 3][cls]->inc();
    duration_->observe(std::chrono::duration<double>(end - start).count());
    if (m) runtime_[idx].responses[cls]->inc();

    auto& log = obs::AccessLogger::global();
    if (log.enabled()) log_request(log, ox, m, start, end);
  }

 private:
  std::size_t index_of(const CompiledRoute* r) const { return r->index; }

  boost::asio::awaitable<void> run_action(ObservedExchange& ox, const config::Route& r,
                                          const RouteRuntime& rt, std::string_view prefix) {
    switch (r.action.index()) {
      case 0: {
        const auto& a = std::get<config::ProxyAction>(r.action);
        if (!upstreams_) {
          co_await http::respond(ox, 502, "no upstreams\n");
          co_return;
        }
        co_await upstreams_->proxy(ox, a, prefix);
        co_return;
      }
      case 1: {
        const auto& a = std::get<config::RespondAction>(r.action);
        co_await http::respond(ox, a.status, a.body, a.content_type);
        co_return;
      }
      case 2:
        co_await rt.files->serve(ox, prefix);
        co_return;
      case 3:
        co_await run_redirect(ox, std::get<config::RedirectAction>(r.action));
        co_return;
    }
  }

  void log_request(obs::AccessLogger& log, ObservedExchange& ox, const RouteMatch& m,
                   std::chrono::steady_clock::time_point start,
                   std::chrono::steady_clock::time_point end) const {
    const auto& req = ox.request();
    const auto& ci = ox.conn();
    obs::AccessRecord rec;
    rec.time = std::chrono::system_clock::now() -
               std::chrono::duration_cast<std::chrono::system_clock::duration>(end - start);
    rec.duration_us = std::uint64_t(
        std::chrono::duration_cast<std::chrono::microseconds>(end - start).count());
    rec.bytes_sent = ox.bytes_sent();
    rec.bytes_received = ox.bytes_received();
    rec.status = ox.status();
    rec.peer_port = ci.peer_port;
    rec.peer_ip.assign(ci.peer_ip);
    rec.protocol.assign(http::protocol_name(req.protocol));
    rec.method.assign(req.method);
    rec.scheme.assign(req.scheme);
    rec.authority.assign(req.authority);
    rec.target.assign(req.target);
    rec.listener.assign(listener_);
    rec.route.assign(m ? std::string_view(m.route->name) : std::string_view());
    rec.user_agent.assign(req.headers.get("user-agent").value_or(""));
    rec.referer.assign(req.headers.get("referer").value_or(""));
    rec.request_id.assign(req.headers.get("x-request-id").value_or(""));
    log.submit(rec);
  }

  std::shared_ptr<const config::Config> cfg_;  // keeps routes alive
  std::string listener_;
  std::shared_ptr<upstream::Upstreams> upstreams_;
  std::unique_ptr<RouteTable> table_;
  std::vector<RouteRuntime> runtime_;
  std::array<std::array<obs::Counter*, 5>, 4> requests_{};
  obs::Histogram* duration_ = nullptr;
  obs::Counter* errors_ = nullptr;
  obs::Counter* too_early_ = nullptr;
};

}  // namespace

std::shared_ptr<http::Handler> make_pipeline(std::shared_ptr<const config::Config> cfg,
                                             const config::Listener& listener,
                                             std::shared_ptr<upstream::Upstreams> upstreams) {
  return std::make_shared<Pipeline>(std::move(cfg), listener, std::move(upstreams));
}

}  // namespace strata::router

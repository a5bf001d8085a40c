#include "upstream/health/health_checker.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "obs/metrics.hpp"
#include "security/proxy_protocol.hpp"
#include "upstream/pool/connector.hpp"
#include "upstream/pool/watchdog.hpp"
#include "upstream/resilience/health_state.hpp"

namespace strata::upstream::health {

namespace asio = boost::asio;

int parse_status_line(std::string_view h) {
  if (h.size() < 12 || !h.starts_with("HTTP/1.") || h[8] != ' ') return 0;
  int s = 0;
  for (int i = 9; i < 12; ++i) {
    if (h[i] < '0' || h[i] > '9') return 0;
    s = s * 10 + (h[i] - '0');
  }
  if (h.size() > 12 && h[12] != ' ' && h[12] != '\r') return 0;
  return s >= 100 ? s : 0;
}

bool status_expected(const config::HealthCheck& hc, int status) {
  if (hc.expect_statuses.empty()) return status >= 200 && status < 400;
  for (int s : hc.expect_statuses)
    if (s == status) return true;
  return false;
}

HealthChecker::HealthChecker(asio::any_io_executor ex, std::shared_ptr<cluster::Cluster> cluster,
                             std::shared_ptr<cluster::ClusterStatus> status,
                             std::shared_ptr<asio::ssl::context> tls, std::uint64_t seed)
    : ex_(ex),
      cluster_(std::move(cluster)),
      status_(std::move(status)),
      tls_(std::move(tls)),
      cfg_(cluster_->config().health_check.value_or(config::HealthCheck{})),
      rng_(seed) {}

void HealthChecker::start() {
  const auto& eps = cluster_->endpoints();
  for (const auto& ep : eps) {
    auto st = status_->endpoint(ep->key);
    if (!st) continue;
    asio::co_spawn(ex_, loop(ep, st), asio::detached);
  }
}

void HealthChecker::stop() {
  *stopped_ = true;
  for (auto& w : timers_)
    if (auto t = w.lock()) t->cancel();
}

asio::awaitable<bool> HealthChecker::check_once(const cluster::Endpoint& ep, std::string* why) {
  if (ep.addrs.empty()) {
    *why = "no address";
    co_return false;
  }
  const auto& cc = cluster_->config();
  io::Transport* current = nullptr;
  pool::Watchdog dog(ex_, cfg_.timeout, [&current] {
    if (current) current->close();
  });
  pool::ConnectOptions co;
  co.timeout = cfg_.timeout;
  co.tls = tls_.get();
  co.sni = cc.sni.empty() ? ep.host : cc.sni;
  co.verify = cc.tls_verify;
  // An upstream that wants a PROXY header gets one with no client (v2 LOCAL / v1 UNKNOWN).
  if (cc.proxy_protocol != "off") co.preamble = security::proxy_header_for(cc.proxy_protocol, "", 0, "", 0);
  auto r = co_await pool::connect_endpoint(ex_, ep.addrs, co);
  if (r.ec) {
    *why = "connect: " + r.ec.message();
    co_return false;
  }
  if (cfg_.type == config::HealthCheckType::tcp) {
    r.transport->close();
    co_return true;
  }
  current = r.transport.get();
  const std::string req = fmt::format(
      "GET {} HTTP/1.1\r\nhost: {}\r\nuser-agent: strata-health-check\r\nconnection: close\r\n\r\n",
      cfg_.path, ep.key);
  if (auto ec = co_await r.transport->write(req); ec) {
    *why = dog.fired() ? "timeout" : "write: " + ec.message();
    co_return false;
  }
  std::string head;
  std::array<char, 1024> buf{};
  while (head.find("\r\n") == std::string::npos && head.size() < 8192) {
    auto rr = co_await r.transport->read_some(std::span<char>(buf));
    if (rr.ec) {
      *why = dog.fired() ? "timeout" : "read: " + rr.ec.message();
      co_return false;
    }
    head.append(buf.data(), rr.n);
  }
  r.transport->close();
  current = nullptr;
  const int status = parse_status_line(head);
  if (!status) {
    *why = "malformed status line";
    co_return false;
  }
  if (!status_expected(cfg_, status)) {
    *why = fmt::format("status {}", status);
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> HealthChecker::loop(std::shared_ptr<cluster::Endpoint> ep,
                                          std::shared_ptr<cluster::EndpointStatus> st) {
  auto self = shared_from_this();
  auto stopped = stopped_;
  auto timer = std::make_shared<asio::steady_timer>(ex_);
  timers_.push_back(timer);
  auto& failed = obs::counter("strata_upstream_health_check_failures_total",
                              "Failed active health checks", {{"cluster", status_->name}});
  resilience::HealthState hs({cfg_.rise, cfg_.fall}, st->healthy.load());
  while (!*stopped) {
    std::string why;
    const bool ok = co_await check_once(*ep, &why);
    if (*stopped) co_return;
    ++checks_;
    if (!ok) failed.inc();
    if (hs.record(ok)) st->set_healthy(hs.healthy(), ok ? "check passed" : why);
    auto wait = cfg_.interval;
    if (cfg_.jitter.count() > 0)
      wait += config::Duration(std::uniform_int_distribution<long long>(0, cfg_.jitter.count())(rng_));
    timer->expires_after(wait);
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled by stop(): the loop condition ends it
  }
}

}  // namespace strata::upstream::health

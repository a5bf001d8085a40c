// Upstreams::proxy, the resilient request flow (docs/resilience.md):
//   tiers: primary cluster -> fallback clusters -> last-known-good -> static
//   per cluster tier: bulkhead slot (bounded queue with timeout) -> circuit
//   breaker admission -> up to max_attempts tries, each on a different
//   endpoint (priority/health/ejection aware), with retry budget, backoff
//   and per-try timeouts; outlier detection and latency EWMA fed per try.
// The whole route is bounded by its timeout (or a smaller grpc-timeout).
#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "filter/local_reply.hpp"
#include "http/context.hpp"
#include "upstream/attempt_exchange.hpp"
#include "upstream/grpc_timeout.hpp"
#include "upstream/lb/ring_hash.hpp"
#include "upstream/request_builder.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Why a tier could not answer, and what the client gets if nothing else can.
struct Failure {
  int status = 502;
  std::string reason = "upstream-error";  // x-strata-reason
  std::string_view body = "upstream connection failed\n";  // always a string literal
  milliseconds retry_after{0};            // > 0: Retry-After
  bool final = false;                     // no further tier (bulkhead overflow)
};

// (A function, not brace-init: GCC 12 miscompiles aggregate init with
// string literals inside coroutines.)
Failure make_failure(int status, std::string_view reason, std::string_view body,
                     milliseconds retry_after = milliseconds(0), bool final = false) {
  Failure f;
  f.status = status;
  f.reason = std::string(reason);
  f.body = body;
  f.retry_after = retry_after;
  f.final = final;
  return f;
}

enum class TierResult { served, aborted, failed };

using FieldList = std::vector<std::pair<std::string, std::string>>;
FieldList fields(std::string_view k1, std::string_view v1) {
  FieldList f;
  f.emplace_back(std::string(k1), std::string(v1));
  return f;
}
FieldList fields(std::string_view k1, std::string_view v1, std::string_view k2, std::string_view v2) {
  FieldList f = fields(k1, v1);
  f.emplace_back(std::string(k2), std::string(v2));
  return f;
}

// A local reply (filter/local_reply.hpp): `extra` carries x-strata-reason.
asio::awaitable<void> send_simple(http::Exchange& ex, int status, std::string_view body,
                                  std::string_view content_type,
                                  const std::vector<std::pair<std::string, std::string>>& extra,
                                  std::string_view reason) {
  co_await filter::send_local_reply(
      ex, filter::local_reply(status, reason, body, content_type), extra);
}

struct EndpointActive {
  explicit EndpointActive(cluster::Endpoint& e) : ep(e) {
    ++ep.active;
    if (ep.status) ++ep.status->active;
  }
  ~EndpointActive() {
    --ep.active;
    if (ep.status) --ep.status->active;
  }
  cluster::Endpoint& ep;
};

// Holds a bulkhead request slot for the life of a tier.
struct Slot {
  ClusterState* st = nullptr;
  ~Slot() {
    if (!st) return;
    st->bulkhead.release();
    --st->status->requests_active;
  }
};

// Waits for a bulkhead slot: "" when granted, else the overflow reason.
asio::awaitable<std::string> acquire_slot(ClusterState& st, asio::any_io_executor exec) {
  if (st.bulkhead.try_acquire()) {
    ++st.status->requests_active;
    co_return "";
  }
  struct Wait {
    explicit Wait(asio::any_io_executor e) : timer(e) {}
    asio::steady_timer timer;
    bool granted = false;
    bool done = false;
  };
  auto w = std::make_shared<Wait>(exec);
  const auto id = st.bulkhead.enqueue([w](bool granted) {
    w->granted = granted;
    w->done = true;
    w->timer.cancel();
  });
  if (id == 0) {
    st.status->overflow_requests->inc();
    co_return "bulkhead-requests";
  }
  ++st.status->requests_pending;
  w->timer.expires_after(st.cluster->config().limits.pending_timeout);
  co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  --st.status->requests_pending;
  if (!w->done) st.bulkhead.cancel(id);  // timed out: leave the queue
  if (w->granted) {
    ++st.status->requests_active;
    co_return "";
  }
  st.status->overflow_pending->inc();
  co_return "bulkhead-pending";
}

bool retry_on(const config::RetryPolicy& rp, TryKind kind, int status) {
  switch (kind) {
    case TryKind::connect_error: return rp.on_connect_failure;
    case TryKind::reset:
    case TryKind::bad_response: return rp.on_reset;
    case TryKind::refused: return rp.on_refused_stream || rp.on_reset;
    case TryKind::timeout: return rp.on_gateway_error || rp.on_5xx;
    case TryKind::reset_relayed:  // only reached when the response was swallowed
    case TryKind::ok:
      if (rp.on_5xx && status >= 500) return true;
      if (rp.on_gateway_error && (status == 502 || status == 503 || status == 504)) return true;
      return std::find(rp.statuses.begin(), rp.statuses.end(), status) != rp.statuses.end();
    default: return false;
  }
}

std::string_view outcome_name(TryKind k, int status) {
  switch (k) {
    case TryKind::ok: (void)status; return "success";
    case TryKind::connect_error: return "connect_error";
    case TryKind::timeout: return "timeout";
    case TryKind::reset:
    case TryKind::refused:
    case TryKind::reset_relayed: return "upstream_reset";
    case TryKind::bad_response: return "bad_response";
    case TryKind::downstream: return "downstream_error";
    case TryKind::unsupported: return "unsupported_protocol";
    default: return "no_endpoint";
  }
}

Failure failure_of(TryKind k, int status) {
  switch (k) {
    case TryKind::connect_error: return make_failure(502, "connect-error", "upstream connect error\n");
    case TryKind::timeout: return make_failure(504, "timeout", "upstream timeout\n");
    case TryKind::bad_response: return make_failure(502, "bad-response", "bad upstream response\n");
    case TryKind::overflow:
      return make_failure(503, "bulkhead-connections", "upstream connection limit reached\n", milliseconds(0), true);
    case TryKind::unsupported: return make_failure(502, "unsupported-protocol", "upstream protocol not supported\n");
    case TryKind::refused: return make_failure(502, "refused-stream", "upstream refused the stream\n");
    case TryKind::ok:
    case TryKind::reset_relayed:
      if (status) return make_failure(status, "upstream-status", "upstream error\n");
      [[fallthrough]];
    default: return make_failure(502, "upstream-reset", "upstream connection failed\n");
  }
}

}  // namespace

resilience::LastKnownGood* UpstreamsImpl::lkg_store(const config::ProxyAction& action) {
  auto it = lkg_.find(action.route);
  return it == lkg_.end() ? nullptr : it->second.get();
}

asio::awaitable<void> UpstreamsImpl::proxy(http::Exchange& ex, const config::ProxyAction& action,
                                           std::string_view matched_prefix) {
  const auto cfg = cfg_;  // this request keeps its generation
  const auto started = Clock::now();
  auto route_timeout = action.timeout.value_or(cfg ? cfg->timeouts.route : milliseconds(60000));
  if (auto g = ex.request().headers.get("grpc-timeout"))
    if (auto d = parse_grpc_timeout(*g)) route_timeout = std::min(route_timeout, *d);
  const auto deadline = started + route_timeout;
  const config::RetryPolicy* rp = action.retry ? &*action.retry : nullptr;
  const std::optional<milliseconds> per_try =
      rp && rp->per_try_timeout ? rp->per_try_timeout : action.per_try_timeout;
  const auto* fb = action.fallback ? &*action.fallback : nullptr;
  const bool is_get = ex.request().method == "GET";
  auto* store = fb && fb->last_known_good && is_get ? lkg_store(action) : nullptr;
  const std::string lkg_key = store ? ex.request().authority + ex.request().target : std::string();
  const bool idempotent = pool::idempotent(ex.request().method);
  const auto retries_allowed = [&] { return rp && (idempotent || rp->allow_non_idempotent); };

  const auto tier_counter = [&](std::string_view tier) -> obs::Counter& {
    auto key = action.route + '\n' + std::string(tier);
    auto it = tier_counters_.find(key);
    if (it == tier_counters_.end())
      it = tier_counters_
               .emplace(key, &obs::counter("strata_degradation_tier_total",
                                           "Responses by degradation tier",
                                           {{"route", action.route}, {"tier", std::string(tier)}}))
               .first;
    return *it->second;
  };

  AttemptExchange aex(ex);
  std::vector<std::string> tiers{action.cluster};
  if (fb) tiers.insert(tiers.end(), fb->clusters.begin(), fb->clusters.end());
  Failure fail;

  for (std::size_t t = 0; t < tiers.size(); ++t) {
    const bool more_after = t + 1 < tiers.size() || store || (fb && fb->static_response);
    const std::string_view tier_name = t == 0 ? "primary" : "secondary";
    if (auto* c = ex.context())  // names from the config snapshot: they outlive the request
      c->cluster = t == 0 ? action.cluster : fb->clusters[t - 1], c->tier = tier_name,
      c->tier_header = fb != nullptr;
    const auto cit = clusters_.find(tiers[t]);
    if (cit == clusters_.end()) {
      fail = make_failure(503, "no-cluster", "no such upstream cluster\n");
      continue;
    }
    const std::shared_ptr<ClusterState> st = cit->second;  // survives a reload meanwhile
    const auto& cc = st->cluster->config();

    // Bulkhead first (a refused request must not hold a half-open probe).
    Slot slot;
    if (auto why = co_await acquire_slot(*st, ex.executor()); !why.empty()) {
      fail = make_failure(503, why, "upstream cluster is at its request limit\n", milliseconds(0), true);
      break;
    }
    slot.st = st.get();
    resilience::CircuitBreaker::Ticket ticket;
    if (st->breaker) {
      ticket = st->breaker->allow();
      if (!ticket.admitted) {
        fail = make_failure(503, "circuit-open", "upstream circuit breaker is open\n",
                std::max(st->breaker->retry_after(), milliseconds(1000)));
        continue;
      }
    }
    ++st->active_requests;
    struct Dec {
      std::uint32_t& n;
      ~Dec() { --n; }
    } dec_active{st->active_requests};

    const bool h2_upstream = cc.protocol == "h2" || cc.protocol == "h2c";
    auto ureq =
        build_upstream_request(ex.request(), ex.conn(), action, matched_prefix, h2_upstream, rng_, ex.context());
    // HTTP/1.1 Upgrade (WebSocket) to an h1 upstream keeps its Upgrade field.
    if (!h2_upstream && http::is_upgrade_request(ex.request()))
      ureq.upgrade = std::string(ex.request().headers.get("upgrade").value_or(""));
    const std::uint64_t hash =
        cc.lb == "ring_hash" ? lb::hash_key(lb_key(ex.request(), ex.conn(), cc.hash_on)) : 0;
    const bool per_ep = cc.circuit_breaker && cc.circuit_breaker->per_endpoint;
    const auto admit = [&](const cluster::Endpoint& e) {
      if (!per_ep) return true;
      auto& b = st->endpoint_breaker(e);
      return b.state() != resilience::BreakerState::open || b.retry_after().count() == 0;
    };
    std::vector<const cluster::Endpoint*> tried;
    bool breaker_recorded = false;
    std::optional<TryResult> last_seen;
    TierResult result = TierResult::failed;

    for (std::uint32_t attempt = 1;; ++attempt) {
      const auto now = Clock::now();
      if (now >= deadline) {
        fail = make_failure(504, "timeout", "upstream timeout\n");
        break;
      }
      auto ep = st->cluster->pick(hash, tried, per_ep ? cluster::Cluster::Admit(admit) : nullptr);
      if (!ep) {
        st->metrics.requests("no_endpoint").inc();
        fail = per_ep ? make_failure(503, "circuit-open", "every endpoint's circuit breaker is open\n",
                                milliseconds(1000))
                      : make_failure(503, "no-endpoint", "no upstream endpoint available\n");
        break;
      }
      resilience::CircuitBreaker::Ticket ep_ticket;
      if (per_ep) {
        ep_ticket = st->endpoint_breaker(*ep).allow();
        if (!ep_ticket.admitted) {
          fail = make_failure(503, "circuit-open", "upstream circuit breaker is open\n", milliseconds(1000));
          break;
        }
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - now);
      const auto try_timeout = per_try ? std::min(*per_try, left) : left;
      const bool can_retry = retries_allowed() && attempt < rp->max_attempts &&
                             st->budget.can_retry(st->active_requests, st->active_retries) &&
                             st->active_retries < cc.limits.max_retries;
      aex.begin_try([&](int status) {
        if (can_retry && retry_on(*rp, TryKind::ok, status)) return true;
        return more_after && status >= 500;
      });
      if (fb && !ex.context()) aex.set_extra_headers(fields("x-strata-tier", tier_name));  // else filter/tier_header
      aex.capture(store ? store->max_item_bytes() : 0);

      TryResult r;
      const auto t0 = Clock::now();
      {
        EndpointActive active(*ep);
        r = co_await try_once(aex, *st, *ep, ureq, try_timeout);
      }
      const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
      const int status = aex.suppressed() ? aex.suppressed_status() : r.status;
      st->metrics.requests(outcome_name(r.kind, status)).inc();
      st->metrics.duration->observe(secs);

      // Passive feedback: outlier detection, latency, breakers.
      const bool upstream_error =
          r.kind == TryKind::connect_error || r.kind == TryKind::timeout ||
          r.kind == TryKind::reset || r.kind == TryKind::reset_relayed || r.kind == TryKind::refused ||
          r.kind == TryKind::bad_response || (r.kind == TryKind::ok && status >= 500);
      if (r.kind != TryKind::downstream && r.kind != TryKind::overflow &&
          r.kind != TryKind::unsupported)
        st->cluster->record(*ep, upstream_error, r.kind == TryKind::ok ? secs : -1.0);
      const TryResult seen{r.kind, status};
      last_seen = seen;
      if (per_ep) st->endpoint_breaker(*ep).record(ep_ticket, !st->breaker_failure(seen));

      const bool relayed = !aex.suppressed() && (r.kind == TryKind::ok || aex.relayed());
      if (r.kind == TryKind::downstream || (relayed && r.kind != TryKind::ok)) {
        if (st->breaker && r.kind != TryKind::downstream)
          st->breaker->record(ticket, !st->breaker_failure(seen));
        breaker_recorded = true;
        // A client body error before the head went out is answered by the
        // codec itself (400 bad framing, 413 over the limit); afterwards, or
        // after an upstream failure mid-response, only a reset helps.
        if (!ex.finished() && (ex.head_sent() || r.kind != TryKind::downstream)) ex.reset();
        result = TierResult::aborted;
        break;
      }
      if (relayed) {
        if (st->breaker) st->breaker->record(ticket, !st->breaker_failure(seen));
        breaker_recorded = true;
        if (store)
          if (auto cap = aex.take_capture())
            store->put(lkg_key, resilience::LkgResponse{cap->status, std::move(cap->headers),
                                                        std::move(cap->body)});
        if (fb) tier_counter(tier_name).inc();
        result = TierResult::served;
        break;
      }
      fail = failure_of(r.kind, status);
      if (fail.final) break;
      tried.push_back(ep.get());
      if (!can_retry || !retry_on(*rp, r.kind, status) || !aex.replayable()) {
        if (retries_allowed() && attempt < rp->max_attempts && retry_on(*rp, r.kind, status) &&
            st->active_retries >= cc.limits.max_retries)
          st->status->overflow_retries->inc();
        break;
      }
      // Retry on another endpoint after a jittered backoff.
      ++st->active_retries;
      ++st->status->retries_active;
      st->status->retries->inc();
      auto delay = resilience::backoff_delay({rp->backoff_base, rp->backoff_max}, attempt, rng_);
      const auto until = std::min(Clock::now() + delay, deadline);
      asio::steady_timer timer(ex.executor(), until);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      --st->active_retries;
      --st->status->retries_active;
    }
    // A tier that ended without a relayed response: the last try decides;
    // no try at all (no endpoint, deadline) counts as a failure.
    if (st->breaker && !breaker_recorded)
      st->breaker->record(ticket, last_seen ? !st->breaker_failure(*last_seen) : false);
    if (result != TierResult::failed) co_return;
    if (fail.final || !aex.replayable()) break;
  }

  if (!fail.final) {
    if (store)
      if (auto hit = store->get(lkg_key)) {
        http::Response r;
        r.status = hit->status;
        for (auto& [k, v] : hit->headers) r.headers.add(k, v);
        r.headers.set("x-strata-tier", "last-known-good");
        if (auto* c = ex.context()) c->tier = "last-known-good";
        r.headers.set("content-length", std::to_string(hit->body.size()));
        tier_counter("last-known-good").inc();
        if (ex.head_sent()) co_return;
        if (auto ec = co_await ex.send_head(r, hit->body.empty()); ec || hit->body.empty()) co_return;
        co_await ex.send_body(std::span<const char>(hit->body.data(), hit->body.size()), true);
        co_return;
      }
    if (fb && fb->static_response) {
      const auto& s = *fb->static_response;
      tier_counter("static").inc();
      if (auto* c = ex.context()) c->tier = "static";
      co_await send_simple(ex, s.status, s.body, s.content_type,
                           fields("x-strata-tier", "static", "x-strata-reason", fail.reason), fail.reason);
      co_return;
    }
  }
  auto extra = fields("x-strata-reason", fail.reason);
  if (fail.retry_after.count() > 0)
    extra.emplace_back("retry-after", std::to_string((fail.retry_after.count() + 999) / 1000));
  co_await send_simple(ex, fail.status, fail.body, "text/plain", extra, fail.reason);
}

}  // namespace strata::upstream

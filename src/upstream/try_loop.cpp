#include "upstream/try_loop.hpp"

#include "core/loop_clock.hpp"
#include <algorithm>
#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "upstream/attempt_exchange.hpp"
#include "upstream/resilience/lkg_store.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

Outcome outcome_of(TryKind k) {
  switch (k) {
    case TryKind::ok: return Outcome::success;
    case TryKind::connect_error: return Outcome::connect_error;
    case TryKind::connect_timeout:
    case TryKind::timeout: return Outcome::timeout;
    case TryKind::reset:
    case TryKind::refused:
    case TryKind::reset_relayed: return Outcome::upstream_reset;
    case TryKind::bad_response: return Outcome::bad_response;
    case TryKind::downstream: return Outcome::downstream_error;
    case TryKind::unsupported: return Outcome::unsupported_protocol;
    case TryKind::overflow: break;
  }
  return Outcome::no_endpoint;
}

Failure failure_of(TryKind k, int status) {
  switch (k) {
    case TryKind::connect_error:
      return make_failure(502, FailReason::connect_error, "upstream connect error\n");
    case TryKind::connect_timeout:
    case TryKind::timeout: return make_failure(504, FailReason::timeout, "upstream timeout\n");
    case TryKind::bad_response:
      return make_failure(502, FailReason::bad_response, "bad upstream response\n");
    case TryKind::overflow:
      return make_failure(503, FailReason::bulkhead_connections,
                          "upstream connection limit reached\n", milliseconds(0), true);
    case TryKind::unsupported:
      return make_failure(502, FailReason::unsupported_protocol, "upstream protocol not supported\n");
    case TryKind::refused:
      return make_failure(502, FailReason::refused_stream, "upstream refused the stream\n");
    case TryKind::ok:
    case TryKind::reset_relayed:
      if (status) return make_failure(status, FailReason::upstream_status, "upstream error\n");
      break;
    case TryKind::reset:
    case TryKind::downstream: break;
  }
  return make_failure(502, FailReason::upstream_reset, "upstream connection failed\n");
}

bool upstream_error(const TryResult& r) {
  switch (r.kind) {
    case TryKind::connect_error:
    case TryKind::connect_timeout:
    case TryKind::timeout:
    case TryKind::reset:
    case TryKind::reset_relayed:
    case TryKind::refused:
    case TryKind::bad_response: return true;
    case TryKind::ok: return r.status >= 500;
    default: return false;
  }
}

std::vector<std::pair<std::string, std::string>> tier_header(std::string_view tier) {
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("x-strata-tier", std::string(tier));
  return f;
}

}  // namespace

TryLoop::TryLoop(UpstreamsImpl& ups, ClusterState& st, const RequestPlan& plan, const TierSpec& tier,
                 http::Exchange& ex, AttemptExchange& aex)
    : ups_(ups), st_(st), plan_(plan), tier_(tier), ex_(ex), aex_(aex) {
  per_endpoint_breakers_ = st_.guards.per_endpoint_breakers();
}

RetryInputs TryLoop::inputs(TryKind kind, int status) const {
  const auto& cc = st_.cluster->config();
  RetryInputs in;
  in.kind = kind;
  in.status = status;
  in.replayable = aex_.replayable();
  in.policy = plan_.retry;
  in.idempotent = plan_.idempotent;
  in.attempt = attempt_;
  in.connect_retry = cc.connect_failure.retry;
  in.untried_endpoint = untried_endpoint();
  in.budget_allows = st_.guards.budget_allows();
  in.below_max_retries = st_.guards.below_max_retries();
  return in;
}

bool TryLoop::untried_endpoint() const {
  // Bounded: at most one resend per other endpoint, even when the picker
  // has to return an endpoint tried already (the others are out).
  std::size_t addressed = 0;
  bool untried = false;
  for (const auto& e : st_.cluster->endpoints()) {
    if (e->addrs.empty()) continue;
    ++addressed;
    if (std::find(tried_.begin(), tried_.end(), e.get()) == tried_.end()) untried = true;
  }
  return untried && resends_ + 1 < addressed;
}

void TryLoop::feed_back(cluster::Endpoint& ep, const TryResult& seen, double seconds) {
  st_.metrics.requests(outcome_of(seen.kind)).inc();
  st_.metrics.duration->observe(seconds);
  if (seen.kind != TryKind::downstream && seen.kind != TryKind::overflow &&
      seen.kind != TryKind::unsupported)
    st_.cluster->record(ep, upstream_error(seen), seen.kind == TryKind::ok ? seconds : -1.0);
  if (nothing_sent(seen.kind)) st_.cluster->record_connect(ep, true);
  else if (connected(seen.kind)) st_.cluster->record_connect(ep, false);
}

asio::awaitable<void> TryLoop::backoff() {
  ClusterGuards::RetryWaiting waiting(st_.guards);
  st_.status->retries->inc();
  const auto delay = resilience::backoff_delay(
      {plan_.retry->backoff_base, plan_.retry->backoff_max}, attempt_ - 1, ups_.rng());
  asio::steady_timer timer(ex_.executor(), std::min(core::LoopClock::steady() + delay, plan_.deadline));
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

TryLoop::EndpointActive::EndpointActive(cluster::Endpoint& e) : ep_(e) {
  ++ep_.active;
  if (ep_.status) ep_.status->active.add();
}

TryLoop::EndpointActive::~EndpointActive() {
  --ep_.active;
  if (ep_.status) ep_.status->active.sub();
}

TryLoop::Try TryLoop::next_try(std::uint64_t hash) {
  Try t;
  const auto now = core::LoopClock::steady();
  if (now >= plan_.deadline) {
    out_.failure = make_failure(504, FailReason::timeout, "upstream timeout\n");
    return t;
  }
  const auto admit = [this](const cluster::Endpoint& e) {
    auto& b = st_.guards.endpoint_breaker(e);
    return b.state() != resilience::BreakerState::open || b.retry_after().count() == 0;
  };
  auto* ep = st_.cluster->pick(hash, tried_,
                               per_endpoint_breakers_ ? cluster::Cluster::Admit(admit) : nullptr);
  if (!ep) {
    st_.metrics.requests(Outcome::no_endpoint).inc();
    out_.failure = per_endpoint_breakers_
                       ? make_failure(503, FailReason::circuit_open,
                                      "every endpoint's circuit breaker is open\n", milliseconds(1000))
                       : make_failure(503, FailReason::no_endpoint, "no upstream endpoint available\n");
    return t;
  }
  if (per_endpoint_breakers_) {
    t.ticket = st_.guards.endpoint_breaker(*ep).allow();
    if (!t.ticket.admitted()) {
      out_.failure = make_failure(503, FailReason::circuit_open, "upstream circuit breaker is open\n",
                                  milliseconds(1000));
      return t;
    }
  }
  const auto left = std::chrono::duration_cast<milliseconds>(plan_.deadline - now);
  t.timeout = plan_.per_try ? std::min(*plan_.per_try, left) : left;
  t.start = now;

  // A 5xx answer is held back only when something can follow it.
  const bool can_retry = may_retry(inputs(TryKind::ok, 0));
  // One 16-byte capture: std::function keeps it inline (no allocation per try).
  struct Suppress {
    const config::RetryPolicy* rp;
    bool can_retry;
    bool more;
  };
  aex_.begin_try([s = Suppress{plan_.retry, can_retry, tier_.more_after}](int status) {
    if (s.can_retry && retry_on(*s.rp, TryKind::ok, status)) return true;
    return s.more && status >= 500;
  });
  // With a request context the tier header comes from filter/tier_header.
  if (plan_.fallback && !ex_.context()) aex_.set_extra_headers(tier_header(tier_.name));
  aex_.capture(plan_.store ? resilience::LkgStore::max_item_bytes(*plan_.lkg) : 0);
  t.ep = ep;
  return t;
}

TryLoop::After TryLoop::settle(Try& t, const TryResult& r) {
  auto& ep = *t.ep;
  const double secs = std::chrono::duration<double>(core::LoopClock::steady() - t.start).count();
  const TryResult seen{r.kind, aex_.suppressed() ? aex_.suppressed_status() : r.status};
  feed_back(ep, seen, secs);
  if (per_endpoint_breakers_)
    st_.guards.endpoint_breaker(ep).record(t.ticket, !st_.guards.breaker_failure(seen));
  out_.last = seen;

  const bool relayed = !aex_.suppressed() && (r.kind == TryKind::ok || aex_.relayed());
  if (r.kind == TryKind::downstream || (relayed && r.kind != TryKind::ok)) {
    // A client body error before the head went out is answered by the
    // codec itself (400 bad framing, 413 over the limit); afterwards, or
    // after an upstream failure mid-response, only a reset helps.
    if (!ex_.finished() && (ex_.head_sent() || r.kind != TryKind::downstream)) ex_.reset();
    out_.result = TierResult::aborted;
    return After::stop;
  }
  if (relayed) {
    if (plan_.store)
      if (auto cap = aex_.take_capture())
        plan_.store->put(resilience::lkg_key(ex_.request(), *plan_.action), *plan_.lkg,
                         resilience::LkgResponse{cap->status, std::move(cap->headers),
                                                 std::move(cap->body)});
    if (plan_.fallback) ups_.tier_counter(plan_.action->route, tier_.name).inc();
    out_.result = TierResult::served;
    return After::stop;
  }
  out_.failure = failure_of(r.kind, seen.status);
  if (out_.failure.final) return After::stop;
  tried_.push_back(&ep);
  const auto next = next_step(inputs(r.kind, seen.status));
  if (next.retry_overflow) st_.status->overflow_retries->inc();
  switch (next.step) {
    case NextStep::stop: return After::stop;
    case NextStep::resend:  // nothing was sent: straight to another endpoint
      ++resends_;
      st_.status->connect_retries->inc();
      return After::next;
    case NextStep::retry:
      ++attempt_;
      return After::backoff;
  }
  return After::stop;
}

}  // namespace strata::upstream

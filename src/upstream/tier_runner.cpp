#include "upstream/tier_runner.hpp"

#include <algorithm>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "upstream/attempt_exchange.hpp"
#include "upstream/lb/ring_hash.hpp"
#include "upstream/request_builder.hpp"
#include "upstream/reused_request.hpp"
#include "upstream/try_loop.hpp"
#include "upstream/upstreams_impl.hpp"

namespace strata::upstream {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

enum class SlotResult : std::uint8_t { granted, overflow_requests, overflow_pending };

// A bulkhead request slot, held for the life of the tier.
class BulkheadSlot {
 public:
  BulkheadSlot() = default;
  BulkheadSlot(const BulkheadSlot&) = delete;
  BulkheadSlot& operator=(const BulkheadSlot&) = delete;
  ~BulkheadSlot() {
    if (!st_) return;
    st_->guards.bulkhead().release();
    st_->status->requests_active.sub();
  }

  // Takes a free slot if there is one now (no coroutine: the usual case).
  bool try_acquire(ClusterState& st) {
    if (!st.guards.bulkhead().try_acquire()) return false;
    hold(st);
    return true;
  }

  // Takes a free slot, or waits in the cluster's queue for at most
  // limits.pending_timeout.
  asio::awaitable<SlotResult> acquire(ClusterState& st, asio::any_io_executor exec) {
    auto& bulkhead = st.guards.bulkhead();
    if (bulkhead.try_acquire()) {
      hold(st);
      co_return SlotResult::granted;
    }
    struct Wait {
      explicit Wait(asio::any_io_executor e) : timer(e) {}
      asio::steady_timer timer;
      bool granted = false;
      bool done = false;
    };
    auto w = std::make_shared<Wait>(exec);
    const auto id = bulkhead.enqueue([w](bool granted) {
      w->granted = granted;
      w->done = true;
      w->timer.cancel();
    });
    if (id == 0) {
      st.status->overflow_requests->inc();
      co_return SlotResult::overflow_requests;
    }
    ++st.status->requests_pending;
    w->timer.expires_after(st.cluster->config().limits.pending_timeout);
    co_await w->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    --st.status->requests_pending;
    if (!w->done) bulkhead.cancel(id);  // timed out: leave the queue
    if (w->granted) {
      hold(st);
      co_return SlotResult::granted;
    }
    st.status->overflow_pending->inc();
    co_return SlotResult::overflow_pending;
  }

 private:
  void hold(ClusterState& st) {
    st_ = &st;
    st.status->requests_active.add();
  }
  ClusterState* st_ = nullptr;
};

}  // namespace

asio::awaitable<TierOutcome> run_tier(UpstreamsImpl& ups, const RequestPlan& plan,
                                      const TierSpec& tier, http::Exchange& ex,
                                      AttemptExchange& aex) {
  TierOutcome out;
  const std::shared_ptr<ClusterState> st = ups.cluster_state(tier.cluster);  // survives a reload
  if (!st) {
    out.failure = make_failure(503, FailReason::no_cluster, "no such upstream cluster\n");
    co_return out;
  }
  const auto& cc = st->cluster->config();

  // Bulkhead first (a refused request must not hold a half-open probe).
  BulkheadSlot slot;
  SlotResult got = SlotResult::granted;
  if (!slot.try_acquire(*st)) got = co_await slot.acquire(*st, ex.executor());
  if (got != SlotResult::granted) {
    out.failure = make_failure(503,
                               got == SlotResult::overflow_requests ? FailReason::bulkhead_requests
                                                                    : FailReason::bulkhead_pending,
                               "upstream cluster is at its request limit\n", milliseconds(0), true);
    co_return out;
  }
  auto* breaker = st->guards.breaker();
  resilience::CircuitBreaker::Ticket ticket;  // dropped unrecorded: the probe slot comes back
  if (breaker) {
    ticket = breaker->allow();
    if (!ticket.admitted()) {
      out.failure = make_failure(503, FailReason::circuit_open, "upstream circuit breaker is open\n",
                                 std::max(breaker->retry_after(), milliseconds(1000)));
      co_return out;
    }
  }
  ClusterGuards::ActiveRequest active(st->guards);

  const bool h2_upstream = config::is_h2(cc.protocol);
  const auto& req = ex.request();
  const ReusedRequest ureq;  // its storage reused from earlier requests
  build_upstream_request(*ureq, req, ex.conn(), *plan.action, plan.matched_prefix, h2_upstream,
                         ups.rng(), ex.context());
  // HTTP/1.1 Upgrade (WebSocket) to an h1 upstream keeps its Upgrade field.
  if (!h2_upstream && http::is_upgrade_request(req))
    ureq->upgrade = std::string(req.headers.get("upgrade").value_or(""));
  const std::uint64_t hash = cc.lb == config::LbPolicy::ring_hash
                                 ? lb::hash_key(lb_key(req, ex.conn(), cc.hash_on,
                                                               ex.context() ? ex.context()->client_ip.view() : std::string_view()))
                                 : 0;

  // The tries, in this frame (try_loop.hpp): the loop's steps are plain
  // functions, the try is awaited here.
  TryLoop loop(ups, *st, plan, tier, ex, aex);
  while (auto t = loop.next_try(hash)) {
    TryResult tr;
    {
      TryLoop::EndpointActive active(*t.ep);
      tr = co_await ups.try_once(aex, *st, *t.ep, *ureq, t.timeout);
    }
    const auto after = loop.settle(t, tr);
    if (after == TryLoop::After::stop) break;
    if (after == TryLoop::After::backoff) co_await loop.backoff();
  }
  const auto& r = loop.result();

  // The breaker's verdict is the last try's (no try at all: a failure); a
  // client that went away says nothing about the upstream.
  const bool client_gone = r.last && r.last->kind == TryKind::downstream;
  if (breaker && !client_gone)
    breaker->record(ticket, r.last ? !st->guards.breaker_failure(*r.last) : false);
  out.result = r.result;
  out.failure = r.failure;
  co_return out;
}

}  // namespace strata::upstream

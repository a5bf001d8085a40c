#include "upstream/retry_decision.hpp"

#include <algorithm>

namespace strata::upstream {

bool retry_on(const config::RetryPolicy& rp, TryKind kind, int status) {
  switch (kind) {
    case TryKind::connect_error: return rp.on_connect_failure;
    case TryKind::reset:
    case TryKind::bad_response: return rp.on_reset;
    case TryKind::refused: return rp.on_refused_stream || rp.on_reset;
    case TryKind::connect_timeout:  // a timeout, as before it had its own kind
    case TryKind::timeout: return rp.on_gateway_error || rp.on_5xx;
    case TryKind::reset_relayed:  // only reached when the response was swallowed
    case TryKind::ok:
      if (rp.on_5xx && status >= 500) return true;
      if (rp.on_gateway_error && (status == 502 || status == 503 || status == 504)) return true;
      return std::find(rp.statuses.begin(), rp.statuses.end(), status) != rp.statuses.end();
    default: return false;
  }
}

namespace {
bool policy_applies(const RetryInputs& in) {
  return in.policy && (in.idempotent || in.policy->allow_non_idempotent) &&
         in.attempt < in.policy->max_attempts;
}
}  // namespace

bool may_retry(const RetryInputs& in) {
  return policy_applies(in) && in.budget_allows && in.below_max_retries;
}

Decision next_step(const RetryInputs& in) {
  Decision d;
  if (nothing_sent(in.kind) && in.connect_retry && in.untried_endpoint && in.replayable) {
    d.step = NextStep::resend;
    return d;
  }
  if (!policy_applies(in) || !retry_on(*in.policy, in.kind, in.status)) return d;
  if (!in.below_max_retries) {
    d.retry_overflow = true;
    return d;
  }
  if (in.budget_allows && in.replayable) d.step = NextStep::retry;
  return d;
}

}  // namespace strata::upstream

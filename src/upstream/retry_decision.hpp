// What follows a failed try (docs/resilience.md, "Retries" and "Connect
// failures"). Pure functions of the try's outcome and the request's
// counters, so the rules are unit-tested without sockets or time.
//
// - resend: the try never reached the upstream (connect refused,
//   unreachable, timed out: nothing was sent), the cluster's
//   connect_failure.retry is on (the default) and an endpoint not tried yet
//   remains. Any method; immediate (no backoff); not counted against the
//   route's retry.max_attempts, the retry budget or limits.max_retries (a
//   resend adds no upstream load: the failed try carried none).
// - retry: the route's `retry` block covers the outcome (retry_on), the
//   method is idempotent or allow_non_idempotent, attempts are left, and
//   the retry budget and limits.max_retries allow it. Backoff, then another
//   endpoint; counts an attempt.
// - stop: otherwise; also whenever the request body can no longer be
//   replayed.
#pragma once
#include <cstdint>

#include "config/config.hpp"
#include "upstream/try_result.hpp"

namespace strata::upstream {

// Whether the route's retry policy covers a try that ended as `kind` with
// `status` (the upstream's status when a head arrived).
bool retry_on(const config::RetryPolicy& rp, TryKind kind, int status);

enum class NextStep : std::uint8_t { stop, resend, retry };

struct RetryInputs {
  TryKind kind = TryKind::ok;
  int status = 0;
  bool replayable = true;              // the request body can be sent again
  const config::RetryPolicy* policy = nullptr;  // the route's retry block, if any
  bool idempotent = false;             // the request method
  std::uint32_t attempt = 1;           // tries so far under the policy (resends not counted)
  bool connect_retry = true;           // the cluster's connect_failure.retry
  bool untried_endpoint = false;       // an endpoint this request has not tried yet
  bool budget_allows = true;           // retry_budget.can_retry(...)
  bool below_max_retries = true;       // active retries < limits.max_retries
};

struct Decision {
  NextStep step = NextStep::stop;
  bool retry_overflow = false;  // a retry was due but limits.max_retries refused it
};

Decision next_step(const RetryInputs& in);

// Whether the policy may still retry this request at all (the response
// of the coming try may be held back for a retry): idempotent or allowed,
// attempts left, and the budget and max_retries allow one now.
bool may_retry(const RetryInputs& in);

}  // namespace strata::upstream

// What follows a failed try: the connect-failure default (resend, any
// method, no retry block needed) and the route retry policy's rules.
#include "upstream/retry_decision.hpp"

#include <gtest/gtest.h>

namespace strata::upstream {
namespace {

RetryInputs after(TryKind kind, int status = 0) {
  RetryInputs in;
  in.kind = kind;
  in.status = status;
  in.untried_endpoint = true;
  return in;
}

TEST(RetryDecision, FailedConnectIsResentWhateverTheMethodWithoutARetryBlock) {
  for (auto kind : {TryKind::connect_error, TryKind::connect_timeout}) {
    auto in = after(kind);
    in.idempotent = false;  // a POST
    in.policy = nullptr;    // no retry block
    in.budget_allows = false;
    in.below_max_retries = false;  // resends are not retries: no budget, no limit
    EXPECT_EQ(next_step(in).step, NextStep::resend);
  }
}

TEST(RetryDecision, NoResendWithoutAnUntriedEndpointOrWhenTurnedOff) {
  auto in = after(TryKind::connect_error);
  in.untried_endpoint = false;
  EXPECT_EQ(next_step(in).step, NextStep::stop);
  in = after(TryKind::connect_error);
  in.connect_retry = false;
  EXPECT_EQ(next_step(in).step, NextStep::stop);
  in = after(TryKind::connect_error);
  in.replayable = false;
  EXPECT_EQ(next_step(in).step, NextStep::stop);
}

TEST(RetryDecision, SomethingWasSentSoOnlyTheRoutePolicyRetries) {
  for (auto kind : {TryKind::reset, TryKind::timeout, TryKind::bad_response}) {
    auto in = after(kind);
    in.idempotent = true;
    EXPECT_EQ(next_step(in).step, NextStep::stop) << int(kind);  // no retry block
    config::RetryPolicy rp;
    in.policy = &rp;
    EXPECT_EQ(next_step(in).step, NextStep::retry) << int(kind);
    in.idempotent = false;  // POST: not unless allowed
    EXPECT_EQ(next_step(in).step, NextStep::stop) << int(kind);
    rp.allow_non_idempotent = true;
    EXPECT_EQ(next_step(in).step, NextStep::retry) << int(kind);
  }
}

TEST(RetryDecision, ExplicitPolicyKeepsItsLimits) {
  config::RetryPolicy rp;  // max_attempts 2, retry_on the default words
  auto in = after(TryKind::ok, 503);
  in.policy = &rp;
  in.idempotent = true;
  EXPECT_EQ(next_step(in).step, NextStep::retry);  // gateway-error
  in.attempt = 2;
  EXPECT_EQ(next_step(in).step, NextStep::stop);   // attempts used up
  in.attempt = 1;
  in.status = 500;
  EXPECT_EQ(next_step(in).step, NextStep::stop);   // 5xx is not in the default words
  in.status = 503;
  in.budget_allows = false;
  EXPECT_EQ(next_step(in).step, NextStep::stop);
  in.budget_allows = true;
  in.below_max_retries = false;
  const auto d = next_step(in);
  EXPECT_EQ(d.step, NextStep::stop);
  EXPECT_TRUE(d.retry_overflow);
  EXPECT_FALSE(may_retry(in));
}

TEST(RetryDecision, ConnectFailureWithoutUntriedEndpointFallsBackToThePolicy) {
  config::RetryPolicy rp;  // retry_on includes connect-failure
  auto in = after(TryKind::connect_error);
  in.untried_endpoint = false;
  in.idempotent = true;
  in.policy = &rp;
  EXPECT_EQ(next_step(in).step, NextStep::retry);  // counted, with backoff, as documented
  rp.on_connect_failure = false;
  EXPECT_EQ(next_step(in).step, NextStep::stop);
  in.untried_endpoint = true;  // the cluster default still resends it
  EXPECT_EQ(next_step(in).step, NextStep::resend);
}

}  // namespace
}  // namespace strata::upstream

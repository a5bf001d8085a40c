// Rules with penalties as a listener filter (filter/filter.hpp; one per
// listener per configuration generation, built by router/pipeline.cpp with
// make_rule_filter() and placed by filter/chain_builder.cpp, when
// `security: rules:` is not empty). Rules are global: the filter sees
// every request of its listener, against the process-wide rule set
// (security/rules.hpp).
//
// request_pre_route, placed after the listener's own filters (and so after
// the client address is final: ctx.client_ip): counts the request counters
// (requests, early_data_requests, replayed_early_data) of the rules whose
// `match` the request passes, then applies the penalties of those rules
// (new_connections rules: every request) in rule order:
//   block         403, reason "rule-block"
//   block_close   the connection is closed (h1) or the stream reset (h2/h3),
//                 reason "rule-close"
//   rate_limit    over the penalty rate: 429 with Retry-After, reason
//                 "rule-rate-limit"
//   tarpit        ctx.delay is set to tarpit_delay: the pipeline waits that
//                 long before the action (or local reply) runs
// The first refusing rule answers; the rule that acted is ctx slot "rule"
// (the access log's "rule" field).
// log: counts status_4xx, status_5xx and bytes (request + response body)
// for matching requests, except answers a rule gave itself.
// local_reply: adds Retry-After to the 429 (ceil of penalty_per /
// penalty_rate, at least 1 s).
#pragma once
#include <memory>

#include "filter/filter.hpp"
#include "security/rules.hpp"

namespace strata::security {

class RuleFilter final : public filter::Filter {
 public:
  explicit RuleFilter(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {}
  std::string_view name() const override { return "security_rules"; }
  filter::PhaseMask phases() const override {
    return filter::bit(filter::Phase::request_pre_route) | filter::bit(filter::Phase::log) |
           filter::bit(filter::Phase::local_reply);
  }
  filter::LocalReply on_request(filter::Phase phase, http::Exchange& ex,
                                http::RequestContext& ctx) const override;
  void on_log(http::Exchange& ex, const http::RequestContext& ctx) const override;
  void on_local_reply(const http::RequestContext& ctx, http::Response& r) const override;

 private:
  std::shared_ptr<const RuleSet> rules_;
};

// (Re)configures the process-wide registry with `rules` (unchanged rules
// keep their state) and returns the filter, or null when there are no rules.
std::shared_ptr<const filter::Filter> make_rule_filter(const std::vector<config::Rule>& rules);

}  // namespace strata::security

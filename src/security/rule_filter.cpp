#include "security/rule_filter.hpp"

#include <algorithm>
#include <cmath>

namespace strata::security {

using filter::LocalReply;
using filter::local_reply;

LocalReply RuleFilter::on_request(filter::Phase, http::Exchange& ex,
                                  http::RequestContext& ctx) const {
  rules_->maybe_sweep();
  auto& req = ex.request();
  const auto ip = ctx.client_ip.view();
  for (const auto& r : rules_->rules()) {
    if (r.counter_is_connection()) {
      // Counted at accept; the penalty holds for every request of the key.
    } else if (!r.matches(req)) {
      continue;
    }
    const auto k = r.key(ip, &req);
    switch (r.counter) {
      case RuleCounter::requests:
        r.table->count(k);
        break;
      case RuleCounter::early_data_requests:
        if (req.early_data) r.table->count(k);
        break;
      case RuleCounter::replayed_early_data:
        if (req.early_data && r.table->repeat(k, request_hash(req))) r.table->count(k);
        break;
      default:
        break;
    }
    const Verdict v = r.table->check(k);
    if (v.kind == Verdict::none) continue;
    ctx.set(http::Slot::rule, r.rule().name);
    switch (v.kind) {
      case Verdict::tarpit:
        ctx.delay = std::max(ctx.delay, v.wait);
        break;
      case Verdict::block:
        return local_reply(403, "rule-block", "forbidden\n");
      case Verdict::close:
        ctx.local_reason.assign("rule-close");
        ex.reset();
        return local_reply(403, "rule-close", "forbidden\n");
      case Verdict::rate_limited:
        return local_reply(429, "rule-rate-limit", "too many requests\n");
      case Verdict::none:
        break;
    }
  }
  return {};
}

void RuleFilter::on_log(http::Exchange& ex, const http::RequestContext& ctx) const {
  if (ctx.local_reason.view().starts_with("rule-")) return;  // our own answers
  const auto& req = ex.request();
  for (const auto& r : rules_->rules()) {
    if (!r.counts_at_log()) continue;
    std::uint64_t n = 0;
    if (r.counter == RuleCounter::status_4xx) n = ctx.status >= 400 && ctx.status < 500;
    else if (r.counter == RuleCounter::status_5xx) n = ctx.status >= 500 && ctx.status < 600;
    else n = ctx.bytes_received + ctx.bytes_sent;
    if (n == 0 || !r.matches(req)) continue;
    r.table->count(r.key(ctx.client_ip.view(), &req), n);
  }
}

void RuleFilter::on_local_reply(const http::RequestContext& ctx, http::Response& r) const {
  if (ctx.local_reason.view() != "rule-rate-limit") return;
  const CompiledRule* c = rules_->find(ctx.get(http::Slot::rule));
  if (!c) return;
  const auto& rule = c->rule();
  const double secs = double(rule.penalty_per.count()) / 1000.0 /
                      (rule.penalty_rate > 0 ? rule.penalty_rate : 1.0);
  r.headers.set("retry-after", std::to_string(std::max<long long>(1, std::llround(std::ceil(secs)))));
}

std::shared_ptr<const filter::Filter> make_rule_filter(const std::vector<config::Rule>& rules) {
  auto set = RuleRegistry::global().configure(rules);
  if (set->empty()) return nullptr;
  return std::make_shared<RuleFilter>(std::move(set));
}

}  // namespace strata::security

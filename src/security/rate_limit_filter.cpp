#include "security/rate_limit_filter.hpp"

#include "obs/metrics.hpp"
#include "security/limit_registry.hpp"
#include "security/request_key.hpp"

namespace strata::security {

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
std::int64_t ceil_seconds(std::int64_t ns) { return ns <= 0 ? 0 : (ns + kSecond - 1) / kSecond; }

// The refusal's numbers, from on_request to on_local_reply of the same
// request. Both run on the request's worker thread with no suspension in
// between (the pipeline sends the local reply at once, and FilterExchange
// runs the local_reply phase before its first co_await), so a per-thread
// slot tagged with the context's address is enough; a mismatch (never
// expected) only drops the headers.
struct Refusal {
  const http::RequestContext* ctx = nullptr;
  std::int64_t retry_s = 0;
  std::size_t limit = 0;
};
thread_local Refusal t_refusal;

}  // namespace

std::string sf_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

RateLimitFilter::RateLimitFilter(const std::vector<config::RateLimit>& limits,
                                 const std::string& route, const config::RedisConfig* redis,
                                 const core::Clock& clock)
    : route_(route) {
  limits_.reserve(limits.size());
  for (std::size_t i = 0; i < limits.size(); ++i) {
    Limit l;
    l.cfg = limits[i];
    if (l.cfg.name.empty()) l.cfg.name = route + "#" + std::to_string(i);
    l.state = LimitRegistry::global().acquire(route, l.cfg, redis, clock);
    const auto counter = [&](const char* result) {
      return &obs::counter("strata_limit_requests_total", "Requests checked by rate limits",
                           {{"route", route}, {"limit", l.cfg.name}, {"result", result}});
    };
    l.allowed = counter("allowed");
    l.limited = counter("limited");
    l.dry_run = counter("dry_run_limited");
    l.sf_name = sf_string(l.cfg.name);
    const auto& p = l.state->p;
    l.policy = l.sf_name + ";q=" + std::to_string(p.burst) +
               ";w=" + std::to_string(std::max<std::int64_t>(1, ceil_seconds(p.tolerance)));
    l.key_from = i;
    for (std::size_t j = 0; j < i; ++j)
      if (limits_[j].cfg.key == l.cfg.key && limits_[j].cfg.ipv4_prefix == l.cfg.ipv4_prefix &&
          limits_[j].cfg.ipv6_prefix == l.cfg.ipv6_prefix) {
        l.key_from = j;
        break;
      }
    limits_.push_back(std::move(l));
  }
}

RateLimitFilter::~RateLimitFilter() = default;

filter::LocalReply RateLimitFilter::on_request(filter::Phase, http::Exchange& ex,
                                               http::RequestContext& ctx) const {
  thread_local std::vector<std::string> keys;
  thread_local std::vector<char> allowed;
  if (keys.size() < limits_.size()) keys.resize(limits_.size()), allowed.resize(limits_.size());
  const auto& req = ex.request();
  for (std::size_t i = 0; i < limits_.size(); ++i) {
    const Limit& l = limits_[i];
    if (l.key_from == i)
      request_key(l.cfg.key, l.cfg.ipv4_prefix, l.cfg.ipv6_prefix, route_, req, ctx, keys[i]);
    else
      keys[i] = keys[l.key_from];
    const GcraResult d = l.state->decide(keys[i]);
    allowed[i] = d.allowed;
    if (d.allowed) {
      l.allowed->inc();
      continue;
    }
    if (l.cfg.dry_run) {
      l.dry_run->inc();
      continue;
    }
    l.limited->inc();
    for (std::size_t j = 0; j < i; ++j)  // the earlier limits did not serve it
      if (allowed[j]) limits_[j].state->refund(keys[j]);
    ctx.set(http::Slot::rate_limit_key, keys[i]);
    t_refusal = Refusal{&ctx, std::max<std::int64_t>(1, ceil_seconds(d.retry_after)), i};
    return filter::local_reply(l.cfg.status, "rate-limited", "rate limited\n");
  }
  return {};
}

void RateLimitFilter::on_local_reply(const http::RequestContext& ctx, http::Response& r) const {
  if (t_refusal.ctx != &ctx || ctx.local_reason.view() != "rate-limited") return;
  const Refusal f = t_refusal;
  t_refusal = {};
  if (f.limit >= limits_.size()) return;
  const Limit& l = limits_[f.limit];
  const auto secs = std::to_string(f.retry_s);
  r.headers.set("retry-after", secs);
  r.headers.set("ratelimit-policy", l.policy);
  r.headers.set("ratelimit", l.sf_name + ";r=0;t=" + secs);
}

}  // namespace strata::security

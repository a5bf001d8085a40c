// Resilience sections: cluster circuit_breaker, limits (bulkhead),
// health_check, outlier_detection, retry_budget; route retry and fallback.
// Defaults live in config.hpp and are documented in docs/resilience.md.
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "config/parse.hpp"

namespace strata::config::detail {
namespace {

// A plain number in [min, max] ("0.5", "1", ".25").
double as_ratio(const Doc& d, const Val& v, std::string_view what, double min, double max) {
  if (!v.node.IsScalar()) d.fail(v.loc, fmt::format("{}: expected a number", what));
  const std::string& s = v.node.Scalar();
  char* end = nullptr;
  const double x = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(x))
    d.fail(v.loc, fmt::format("{}: expected a number, got '{}'", what, s));
  if (x < min || x > max)
    d.fail(v.loc, fmt::format("{}: {} is out of range [{}, {}]", what, s, min, max));
  return x;
}

bool is_status_word(const Val& v) {
  if (!v.node.IsScalar()) return false;
  const auto& s = v.node.Scalar();
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

int as_status(const Doc& d, const Val& v, std::string_view what) {
  return static_cast<int>(as_uint(d, v, what, 100, 599));
}

// A duration that must not be zero.
void opt_positive(const MapReader& m, std::string_view key, Duration& out) {
  opt_duration(m, key, out, Duration(1));
}

}  // namespace

CircuitBreaker parse_circuit_breaker(const Doc& d, const Val& v) {
  MapReader m(d, v, "circuit_breaker",
              {"failure_ratio", "window", "min_requests", "consecutive_failures", "open_duration",
               "half_open_probes", "close_after", "failure_on", "per_endpoint"});
  CircuitBreaker b;
  if (auto r = m.get("failure_ratio")) {
    b.failure_ratio = as_ratio(d, *r, "failure_ratio", 0.0, 1.0);
    if (b.failure_ratio <= 0.0) d.fail(r->loc, "failure_ratio: must be above 0");
  }
  opt_duration(m, "window", b.window, Duration(10));
  opt_uint(m, "min_requests", b.min_requests, 1, kU32);
  opt_uint(m, "consecutive_failures", b.consecutive_failures, 0, kU32);
  opt_positive(m, "open_duration", b.open_duration);
  opt_uint(m, "half_open_probes", b.half_open_probes, 1, 10000);
  opt_uint(m, "close_after", b.close_after, 1, 10000);
  opt_bool(m, "per_endpoint", b.per_endpoint);
  if (auto f = m.get("failure_on")) {
    b.on_connect_error = b.on_timeout = b.on_reset = b.on_5xx = false;
    auto items = as_seq(d, *f, "failure_on");
    if (items.empty()) d.fail(f->loc, "failure_on: list at least one failure kind");
    for (const auto& e : items) {
      if (is_status_word(e)) {
        b.statuses.push_back(as_status(d, e, "failure_on"));
        continue;
      }
      auto w = as_enum(d, e, "failure_on", {"connect_error", "timeout", "reset", "5xx"});
      if (w == "connect_error") b.on_connect_error = true;
      else if (w == "timeout") b.on_timeout = true;
      else if (w == "reset") b.on_reset = true;
      else b.on_5xx = true;
    }
  }
  return b;
}

ClusterLimits parse_cluster_limits(const Doc& d, const Val& v) {
  MapReader m(d, v, "limits",
              {"max_connections", "max_pending", "pending_timeout", "max_requests", "max_retries"});
  ClusterLimits l;
  opt_uint(m, "max_connections", l.max_connections, 1, kU32);
  opt_uint(m, "max_pending", l.max_pending, 0, kU32);
  opt_duration(m, "pending_timeout", l.pending_timeout, Duration(1));
  opt_uint(m, "max_requests", l.max_requests, 1, kU32);
  opt_uint(m, "max_retries", l.max_retries, 0, kU32);
  return l;
}

HealthCheck parse_health_check(const Doc& d, const Val& v) {
  MapReader m(d, v, "health_check",
              {"type", "path", "expect_statuses", "interval", "jitter", "timeout", "rise", "fall"});
  HealthCheck h;
  if (auto t = m.get("type"))
    h.type = parse_enum<HealthCheckType>(d, *t, "type", kHealthCheckTypeNames);
  if (auto p = m.get("path")) {
    if (h.type != HealthCheckType::http) d.fail(p->loc, "path: only used with 'type: http'");
    h.path = as_string(d, *p, "path");
    if (h.path.empty() || h.path.front() != '/') d.fail(p->loc, "path: must start with '/'");
    for (char c : h.path)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
        d.fail(p->loc, "path: must not contain spaces or control characters");
  }
  if (auto s = m.get("expect_statuses")) {
    if (h.type != HealthCheckType::http) d.fail(s->loc, "expect_statuses: only used with 'type: http'");
    for (const auto& e : as_seq(d, *s, "expect_statuses"))
      h.expect_statuses.push_back(as_status(d, e, "expect_statuses"));
    if (h.expect_statuses.empty()) d.fail(s->loc, "expect_statuses: list at least one status");
  }
  opt_duration(m, "interval", h.interval, Duration(10));
  opt_duration(m, "jitter", h.jitter);
  opt_positive(m, "timeout", h.timeout);
  opt_uint(m, "rise", h.rise, 1, 1000);
  opt_uint(m, "fall", h.fall, 1, 1000);
  if (h.timeout > h.interval)
    d.fail(m.get("timeout") ? m.get("timeout")->loc : v.loc,
           "timeout: must not exceed the check interval");
  return h;
}

OutlierDetection parse_outlier_detection(const Doc& d, const Val& v) {
  MapReader m(d, v, "outlier_detection",
              {"consecutive_errors", "base_ejection", "max_ejection", "max_ejected_percent"});
  OutlierDetection o;
  opt_uint(m, "consecutive_errors", o.consecutive_errors, 1, 100000);
  opt_positive(m, "base_ejection", o.base_ejection);
  opt_positive(m, "max_ejection", o.max_ejection);
  opt_uint(m, "max_ejected_percent", o.max_ejected_percent, 0, 100);
  if (o.max_ejection < o.base_ejection)
    d.fail(m.get("max_ejection") ? m.get("max_ejection")->loc : v.loc,
           "max_ejection: must be at least base_ejection");
  return o;
}

RetryBudget parse_retry_budget(const Doc& d, const Val& v) {
  MapReader m(d, v, "retry_budget", {"ratio", "min_concurrent"});
  RetryBudget b;
  if (auto r = m.get("ratio")) b.ratio = as_ratio(d, *r, "ratio", 0.0, 1.0);
  opt_uint(m, "min_concurrent", b.min_concurrent, 0, kU32);
  return b;
}

ConnectFailure parse_connect_failure(const Doc& d, const Val& v) {
  MapReader m(d, v, "connect_failure", {"retry", "skip_after", "skip_for"});
  ConnectFailure f;
  opt_bool(m, "retry", f.retry);
  opt_uint(m, "skip_after", f.skip_after, 0, 100000);
  opt_positive(m, "skip_for", f.skip_for);
  return f;
}

RetryPolicy parse_retry(const Doc& d, const Val& v) {
  MapReader m(d, v, "retry",
              {"retry_on", "max_attempts", "per_try_timeout", "backoff_base", "backoff_max",
               "allow_non_idempotent"});
  RetryPolicy r;
  if (auto on = m.get("retry_on")) {
    r.on_connect_failure = r.on_refused_stream = r.on_reset = r.on_gateway_error = false;
    for (const auto& e : as_seq(d, *on, "retry_on")) {
      if (is_status_word(e)) {
        r.statuses.push_back(as_status(d, e, "retry_on"));
        continue;
      }
      auto w = as_enum(d, e, "retry_on",
                       {"connect-failure", "refused-stream", "reset", "gateway-error", "5xx"});
      if (w == "connect-failure") r.on_connect_failure = true;
      else if (w == "refused-stream") r.on_refused_stream = true;
      else if (w == "reset") r.on_reset = true;
      else if (w == "gateway-error") r.on_gateway_error = true;
      else r.on_5xx = true;
    }
  }
  opt_uint(m, "max_attempts", r.max_attempts, 1, 10);
  opt_duration(m, "per_try_timeout", r.per_try_timeout, Duration(1));
  opt_duration(m, "backoff_base", r.backoff_base);
  opt_duration(m, "backoff_max", r.backoff_max);
  if (r.backoff_max < r.backoff_base)
    d.fail(m.get("backoff_max") ? m.get("backoff_max")->loc : v.loc,
           "backoff_max: must be at least backoff_base");
  opt_bool(m, "allow_non_idempotent", r.allow_non_idempotent);
  return r;
}

Fallback parse_fallback(const Doc& d, const Val& v, const Config& c, const std::string& primary) {
  MapReader m(d, v, "fallback", {"clusters", "last_known_good", "static"});
  Fallback f;
  if (auto cl = m.get("clusters")) {
    for (const auto& e : as_seq(d, *cl, "clusters")) {
      auto name = as_string(d, e, "clusters");
      if (!c.clusters.count(name)) d.fail(e.loc, fmt::format("clusters: no cluster named '{}'", name));
      if (name == primary) d.fail(e.loc, "clusters: the primary cluster cannot be its own fallback");
      for (const auto& o : f.clusters)
        if (o == name) d.fail(e.loc, fmt::format("clusters: '{}' is listed twice", name));
      f.clusters.push_back(std::move(name));
    }
  }
  if (auto l = m.get("last_known_good")) {
    LastKnownGood g;
    if (!l->node.IsNull()) {
      MapReader lm(d, *l, "last_known_good", {"ttl", "max_entries", "max_bytes"});
      opt_duration(lm, "ttl", g.ttl, Duration(1));
      opt_uint(lm, "max_entries", g.max_entries, 1, 10'000'000);
      opt_size(lm, "max_bytes", g.max_bytes, 1024, 1ull << 40);
    }
    f.last_known_good = g;
  }
  if (auto s = m.get("static")) {
    MapReader sm(d, *s, "static", {"status", "body", "content_type"});
    StaticFallback st;
    opt_uint(sm, "status", st.status, 200, 599);
    opt_string(sm, "body", st.body);
    if (auto ct = sm.get("content_type")) {
      st.content_type = header_value(d, *ct, "content_type");
      if (st.content_type.empty()) d.fail(ct->loc, "content_type: must not be empty");
    }
    f.static_response = std::move(st);
  }
  if (f.clusters.empty() && !f.last_known_good && !f.static_response)
    d.fail(v.loc, "fallback: give at least one of clusters, last_known_good, static");
  return f;
}

}  // namespace strata::config::detail

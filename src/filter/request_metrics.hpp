// Per-request metrics as log filters. ListenerMetrics (listener chain):
// strata_requests_total{listener,protocol,code} and
// strata_request_duration_seconds{listener} (from ctx.time.start to
// ctx.time.end). RouteMetrics (one per route chain):
// strata_responses_by_route_total{route,code}. The status class of a
// request without a response head (ctx.status 0) is 5xx: the codec answers
// 500 or resets the stream. Metric references are looked up once, when the
// chain is built; logging a request takes no lock.
#pragma once
#include <array>
#include <string>

#include "filter/filter.hpp"

namespace strata::obs {
class Counter;
class Histogram;
}  // namespace strata::obs

namespace strata::filter {

// Status class index 0..4 (1xx..5xx); anything else counts as 5xx.
std::size_t status_class(int status);

class ListenerMetrics final : public Filter {
 public:
  explicit ListenerMetrics(const std::string& listener);
  std::string_view name() const override { return "listener_metrics"; }
  PhaseMask phases() const override { return bit(Phase::log); }
  void on_log(http::Exchange& ex, const http::RequestContext& ctx) const override;

 private:
  std::array<std::array<obs::Counter*, 5>, 4> requests_{};  // [protocol][class]
  obs::Histogram* duration_ = nullptr;
};

class RouteMetrics final : public Filter {
 public:
  explicit RouteMetrics(const std::string& route);
  std::string_view name() const override { return "route_metrics"; }
  PhaseMask phases() const override { return bit(Phase::log); }
  void on_log(http::Exchange& ex, const http::RequestContext& ctx) const override;

 private:
  std::array<obs::Counter*, 5> responses_{};
};

}  // namespace strata::filter

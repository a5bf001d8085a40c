#include "filter/request_metrics.hpp"

#include <chrono>

#include "obs/metrics.hpp"

namespace strata::filter {

namespace {
constexpr std::array<std::string_view, 4> kProtocols = {"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"};
constexpr std::array<std::string_view, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};
}  // namespace

std::size_t status_class(int status) {
  if (status >= 100 && status < 600) return std::size_t(status / 100 - 1);
  return 4;
}

ListenerMetrics::ListenerMetrics(const std::string& listener) {
  for (std::size_t p = 0; p < kProtocols.size(); ++p)
    for (std::size_t c = 0; c < kClasses.size(); ++c)
      requests_[p][c] = &obs::counter(
          "strata_requests_total", "Requests answered, by listener, protocol and status class",
          {{"listener", listener}, {"protocol", std::string(kProtocols[p])},
           {"code", std::string(kClasses[c])}});
  duration_ = &obs::histogram("strata_request_duration_seconds",
                              "Time from routing to the end of the handler",
                              {{"listener", listener}});
}

void ListenerMetrics::on_log(http::Exchange& ex, const http::RequestContext& ctx) const {
  requests_[std::size_t(ex.request().protocol) & 3][status_class(ctx.status)]->inc();
  duration_->observe(std::chrono::duration<double>(ctx.time.end - ctx.time.start).count());
}

RouteMetrics::RouteMetrics(const std::string& route) {
  for (std::size_t c = 0; c < kClasses.size(); ++c)
    responses_[c] = &obs::counter("strata_responses_by_route_total",
                                  "Responses by route and status class",
                                  {{"route", route}, {"code", std::string(kClasses[c])}});
}

void RouteMetrics::on_log(http::Exchange&, const http::RequestContext& ctx) const {
  responses_[status_class(ctx.status)]->inc();
}

}  // namespace strata::filter

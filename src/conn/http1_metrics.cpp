#include "conn/http1_metrics.hpp"

#include <array>
#include <string>

namespace strata::conn::h1metrics {

using codec::http1::Error;

obs::Counter& bad_request(Error e) {
  static const auto table = [] {
    std::array<obs::Counter*, std::size_t(Error::count_)> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = &obs::counter("strata_http1_bad_requests_total",
                           "HTTP/1 requests rejected by the codec, by reason",
                           {{"reason", std::string(codec::http1::reason(Error(i)))}});
    return t;
  }();
  auto i = std::size_t(e);
  return *table[i < table.size() ? i : 0];
}

obs::Counter& timeout(std::string_view kind) {
  static const std::array<std::string_view, 4> kinds = {"header", "idle", "body", "write"};
  static const auto table = [] {
    std::array<obs::Counter*, 4> t{};
    for (std::size_t i = 0; i < t.size(); ++i)
      t[i] = &obs::counter("strata_http1_timeouts_total", "HTTP/1 connections closed by a timeout",
                           {{"kind", std::string(kinds[i])}});
    return t;
  }();
  for (std::size_t i = 0; i < kinds.size(); ++i)
    if (kinds[i] == kind) return *table[i];
  return *table[0];
}

obs::Counter& upgrades() {
  static obs::Counter& c = obs::counter(
      "strata_http1_upgrades_total", "HTTP/1.1 connections switched protocols (101 sent)");
  return c;
}

obs::Gauge& parked() {
  static obs::Gauge& g = obs::gauge("strata_http1_parked_connections",
                                    "HTTP/1.1 connections parked between requests (no coroutine, no buffer)");
  return g;
}

}  // namespace strata::conn::h1metrics

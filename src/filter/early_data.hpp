// The 0-RTT rule (RFC 8470) as a request_post_route filter, one per route:
// a request that arrived in TLS/QUIC early data with an unsafe method (not
// GET, HEAD or OPTIONS) on a route without `early_data: true` is answered
// 425 Too Early (reason "too-early"; the client retries after the
// handshake) and counted in strata_quic_early_data_total{outcome=
// "too_early"}; any other early-data request goes on with "early-data: 1"
// set (RFC 8470 5.1).
#pragma once
#include "filter/filter.hpp"

namespace strata::obs {
class Counter;
}

namespace strata::filter {

class EarlyData final : public Filter {
 public:
  explicit EarlyData(bool route_allows_unsafe);
  std::string_view name() const override { return "early_data"; }
  PhaseMask phases() const override { return bit(Phase::request_post_route); }
  LocalReply on_request(Phase, http::Exchange& ex, http::RequestContext& ctx) const override;

  static bool safe_method(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS";
  }

 private:
  bool allow_unsafe_;
  obs::Counter* too_early_;
};

}  // namespace strata::filter

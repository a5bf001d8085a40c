// `strata lab breaker`: an origin that fails (slow 500s: --latency 200
// --error-rate 1) and then heals, behind two gateways under the same load,
// one with a circuit breaker and one without. Per one-second window: error
// rate and latency through each, and the breaker's state. The claim (source
// topic 12): a circuit breaker fails fast while the upstream is down and
// recovers through half-open. Everything runs in the server namespace
// except `strata load` (client namespace).
#pragma once
#include <string>
#include <vector>

#include "tools/lab/lab.hpp"

namespace strata::tools::lab {

struct LoadSample {
  double requests = 0, errors = 0;  // errors: 5xx + failed
  double p50_ms = -1, p99_ms = -1;
};

struct BreakerWindow {
  std::string phase;  // healthy | failing | healed
  LoadSample with, without;
  std::string state;  // the breaker's state after the window
};

struct BreakerResult {
  std::vector<BreakerWindow> windows;
  double half_open_transitions = 0, closed_transitions = 0, open_transitions = 0;
  bool fails_fast = false, recovers = false, confirmed = false;
  std::string verdict;
  std::string confidence;  // from the failing windows: do the two latency ranges overlap?
};

// Pure parts (tests).
LoadSample parse_load(const std::string& json);
void judge(BreakerResult& r);
std::string breaker_table(const BreakerResult& r);
std::string breaker_json(const BreakerResult& r);
std::string breaker_svg(const BreakerResult& r);

// o.repeat: windows per phase (healthy: min(2, repeat); failing, healed: repeat + 1).
int run_breaker(const LabOptions& o);

}  // namespace strata::tools::lab

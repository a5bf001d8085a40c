// Cached references to the HTTP/1 driver's counters (lookup once, then a
// relaxed atomic increment). Thread-safe.
#pragma once
#include "codec/http1/error.hpp"
#include "obs/metrics.hpp"

namespace strata::conn::h1metrics {

// strata_http1_bad_requests_total{reason=<codec::http1::reason(e)>}
obs::Counter& bad_request(codec::http1::Error e);
// strata_http1_timeouts_total{kind=header|idle|body|write}
obs::Counter& timeout(std::string_view kind);
// strata_http1_upgrades_total: connections handed away by Exchange::upgrade
obs::Counter& upgrades();
// strata_http1_parked_connections: parked between requests (the connection
// object's own park and the fd records of conn/http1_parked)
obs::Gauge& parked();

}  // namespace strata::conn::h1metrics

// `strata plan --from-metrics URL`: reads a running strata's admin /metrics
// (Prometheus text) and derives the measured figures the corrected model
// uses. Blocking I/O on the calling thread (plain http:// only: the admin
// listener has no TLS).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace strata::tools::plan {

// Sums every sample of each metric name over its labels ("name{a="b"} 3"
// and "name 4" both add to "name"). Comment lines are skipped.
std::map<std::string, double, std::less<>> parse_prometheus(std::string_view text);

// GET url (http://host:port/path; "/metrics" when the path is empty or "/").
// Throws std::runtime_error with the reason.
std::string fetch_metrics(const std::string& url, double timeout_s = 5);

struct Measured {
  std::optional<double> cpu_us_per_request;     // d(process CPU) / d(requests)
  std::optional<double> memory_per_connection;  // (resident - ready) / open connections
  double requests = 0, connections = 0, cpu_seconds = 0;
  double interval_requests = 0;                 // requests between the two samples
  std::string note;                             // how the figures were obtained
};

// Fewer open connections than this and (resident - ready) / connections
// measures the process's other growth (buffers, caches, an ASan build's
// quarantine) more than the connections: memory per connection stays unset.
inline constexpr double kMinConnectionsForMemory = 100;

// From two samples `before` and `after` (parse_prometheus); CPU per request
// from the difference when requests moved in between, else from the totals
// since start; memory per connection when enough connections are open
// (kMinConnectionsForMemory) and the ready figure is known.
Measured derive_measured(const std::map<std::string, double, std::less<>>& before,
                         const std::map<std::string, double, std::less<>>& after);

}  // namespace strata::tools::plan

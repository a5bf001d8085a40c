// Process figures for /metrics, in Prometheus' standard names:
// process_cpu_seconds_total (user + system, getrusage), process_resident_memory_bytes
// (/proc/self/statm), process_start_time_seconds, plus
// strata_ready_resident_memory_bytes: the resident size when the server had
// started its listeners (record_ready_memory()), so (resident - ready) /
// open connections estimates memory per connection (`strata plan
// --from-metrics`). Any thread.
#pragma once
#include <cstdint>
#include <string>

namespace strata::obs {

struct ProcessSample {
  double cpu_seconds = 0;            // user + system
  std::uint64_t resident_bytes = 0;  // 0 when /proc is unavailable
};

ProcessSample sample_process();

// Records the current resident size as the "ready" figure (first call wins).
void record_ready_memory();
std::uint64_t ready_memory();  // 0 before record_ready_memory()

// Prometheus text 0.0.4 for the figures above.
std::string render_process_metrics();

}  // namespace strata::obs

#include "obs/process_metrics.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

namespace strata::obs {

namespace {
std::atomic<std::uint64_t> g_ready{0};
const double g_start = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}  // namespace

ProcessSample sample_process() {
  ProcessSample s;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0)
    s.cpu_seconds = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    unsigned long long size = 0, resident = 0;
    if (std::fscanf(f, "%llu %llu", &size, &resident) == 2)
      s.resident_bytes = resident * std::uint64_t(sysconf(_SC_PAGESIZE));
    std::fclose(f);
  }
  return s;
}

void record_ready_memory() {
  std::uint64_t expected = 0;
  g_ready.compare_exchange_strong(expected, sample_process().resident_bytes);
}

std::uint64_t ready_memory() { return g_ready.load(); }

std::string render_process_metrics() {
  const auto s = sample_process();
  return fmt::format(
      "# HELP process_cpu_seconds_total User and system CPU time spent, seconds\n"
      "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {:.6f}\n"
      "# HELP process_resident_memory_bytes Resident memory size, bytes\n"
      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}\n"
      "# HELP process_start_time_seconds Start time of the process, seconds since the epoch\n"
      "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {:.3f}\n"
      "# HELP strata_ready_resident_memory_bytes Resident memory when the listeners had started\n"
      "# TYPE strata_ready_resident_memory_bytes gauge\nstrata_ready_resident_memory_bytes {}\n",
      s.cpu_seconds, s.resident_bytes, g_start, ready_memory());
}

}  // namespace strata::obs

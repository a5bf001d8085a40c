// Micro benchmark of the rate limit check (bench/security/run compiles it
// with -O2 against src/security/limit_table.cpp and ip.cpp; not part of the
// build). Prints JSON:
//  - ns per request with 1 and 10 limits on a route: the client_prefix key
//    built once (parse_ip + prefix_key, as the filter does when limits share
//    a key), then one table lookup + GCRA per limit; 10,000 clients in
//    1,000 /24s; one thread, then two threads on the same tables (the
//    process-wide tables are shared by the workers);
//  - heap bytes per key for 1M distinct IPv4 /24 keys and 1M IPv6 /64 keys
//    (mallinfo2 before/after).
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "security/gcra.hpp"
#include "security/ip.hpp"
#include "security/limit_table.hpp"

using namespace strata::security;

namespace {

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

std::int64_t now_ns() {
  return std::chrono::steady_clock::now().time_since_epoch().count();
}

std::vector<std::string> clients() {
  std::vector<std::string> out;
  for (int i = 0; i < 10000; ++i)
    out.push_back("10." + std::to_string(i / 1000 % 256) + "." + std::to_string(i % 1000 / 4) + "." +
                  std::to_string(i % 250 + 1));
  return out;
}

// ns of CPU per request over `iters` requests against `tables`.
double run(std::vector<std::unique_ptr<LimitTable>>& tables, const std::vector<std::string>& ips,
           long iters, unsigned seed) {
  const GcraParams p{1000, 1000LL * 1000000, 1000000};  // always passes
  std::string key;
  const double c0 = thread_cpu_ns();
  std::uint64_t allowed = 0;
  for (long i = 0; i < iters; ++i) {
    const auto ip = parse_ip(ips[(std::size_t(i) * 7919 + seed) % ips.size()]);
    key = prefix_key(*ip, 24, 64);
    const std::int64_t t = now_ns();
    for (auto& tb : tables) allowed += tb->touch(key, [&](LimitEntry& e) { return gcra_check(e.tat, t, p); }).allowed;
  }
  const double c1 = thread_cpu_ns();
  if (allowed == 0) std::puts("{}");
  return (c1 - c0) / double(iters);
}

std::size_t heap() { return mallinfo2().uordblks; }

double bytes_per_key(bool v6) {
  const std::size_t h0 = heap();
  {
    LimitTable t(2'000'000, nullptr, nullptr);
    for (int i = 0; i < 1'000'000; ++i) {
      char b[64];
      if (v6)
        std::snprintf(b, sizeof b, "2001:db8:%x:%x::/64", i >> 16, i & 0xffff);
      else
        std::snprintf(b, sizeof b, "%d.%d.%d.0/24", 1 + (i >> 16), (i >> 8) & 255, i & 255);
      t.touch(b, [](LimitEntry& e) { e.tat = 1; });
    }
    const std::size_t h1 = heap();
    return double(h1 - h0) / 1e6;
  }
}

}  // namespace

int main() {
  const auto ips = clients();
  std::printf("{\n");
  for (int n : {1, 10}) {
    std::vector<std::unique_ptr<LimitTable>> tables;
    for (int i = 0; i < n; ++i) tables.push_back(std::make_unique<LimitTable>(100000, nullptr, nullptr));
    run(tables, ips, 200000, 0);  // warm: every key present
    const long iters = n == 1 ? 3'000'000 : 600'000;
    const double one = run(tables, ips, iters, 1);
    double two[2] = {0, 0};
    std::thread a([&] { two[0] = run(tables, ips, iters, 2); });
    std::thread b([&] { two[1] = run(tables, ips, iters, 3); });
    a.join();
    b.join();
    std::printf("  \"limits_%d\": {\"ns_per_request_1_thread\": %.1f, \"ns_per_request_2_threads\": %.1f},\n", n,
                one, (two[0] + two[1]) / 2);
  }
  std::printf("  \"bytes_per_key_ipv4_24\": %.1f,\n", bytes_per_key(false));
  std::printf("  \"bytes_per_key_ipv6_64\": %.1f\n}\n", bytes_per_key(true));
}

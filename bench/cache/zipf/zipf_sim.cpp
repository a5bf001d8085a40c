// Hit-ratio simulation of cache::Store (bench/cache/zipf/run): the same
// request trace replayed against a "tinylfu" and an "lru" store of the same
// byte size. A trace is Zipf(alpha) over a catalog of objects, optionally
// interleaved with a scan of one-time objects. Each request does what the
// cached proxy does: find(); on a miss, insert(). Prints one JSON object per
// line (policy, trace, hit and byte-hit ratios). Deterministic (seeded).
//
// Usage: strata_cache_zipf [--objects N] [--requests N] [--alpha A]
//                          [--cache-percent P] [--scan-percent S]
//                          [--sizes fixed|mixed] [--seed N]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cache/store.hpp"

namespace {

using namespace strata;

struct Options {
  std::size_t objects = 100000;
  std::size_t requests = 1000000;
  double alpha = 0.9;
  double cache_percent = 5;  // of the catalog's bytes
  double scan_percent = 0;   // of requests: one-time objects
  std::string sizes = "fixed";
  unsigned seed = 1;
};

struct Request {
  std::uint64_t id;
  std::uint32_t bytes;
};

// Body size of catalog object `id`: 4 KiB, or "mixed": a heavy-tailed
// spread from 1 to 64 KiB, mostly small, fixed per object.
std::uint32_t body_bytes(const Options& o, std::uint64_t id) {
  if (o.sizes == "fixed") return 4096;
  std::mt19937_64 r(id * 0x9e3779b97f4a7c15ull + 7);
  const double u = std::uniform_real_distribution<double>(0, 1)(r);
  return std::uint32_t(1024 * std::pow(64.0, u * u));
}

cache::ObjectPtr make_object(std::uint64_t id, std::uint32_t bytes,
                             std::vector<std::shared_ptr<const std::string>>& bodies) {
  auto obj = std::make_shared<cache::Object>();
  obj->key = "/o/" + std::to_string(id);
  obj->url = "https://bench.example" + obj->key;
  auto& body = bodies[std::min<std::size_t>(bytes, bodies.size() - 1)];
  if (!body) body = std::make_shared<const std::string>(bytes, 'x');
  obj->body = body;
  return obj;
}

struct Trace {
  std::vector<Request> requests;
  // The static oracle: the hit ratio of the best fixed set of catalog
  // objects that fits (by request probability per charged byte, greedy),
  // knowing the popularity in advance. An upper reference for both policies.
  double oracle = 0;
};

Trace make_trace(const Options& o, std::uint64_t memory_bytes,
                 std::vector<std::shared_ptr<const std::string>>& bodies) {
  // Zipf CDF over ranks 1..objects; rank i is object i (popular ids first
  // would make key order correlate with popularity: shuffle the ids).
  std::vector<double> cdf(o.objects);
  double sum = 0;
  for (std::size_t i = 0; i < o.objects; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), o.alpha));
  for (auto& c : cdf) c /= sum;
  std::vector<std::uint64_t> ids(o.objects);
  for (std::size_t i = 0; i < o.objects; ++i) ids[i] = i;
  std::mt19937_64 rng(o.seed);
  std::shuffle(ids.begin(), ids.end(), rng);
  std::uniform_real_distribution<double> u(0, 1);
  Trace trace;
  {
    struct Item {
      double p;
      std::uint64_t charge;
    };
    std::vector<Item> items(o.objects);
    for (std::size_t r = 0; r < o.objects; ++r) {
      const double p = (r ? cdf[r] - cdf[r - 1] : cdf[0]) * (1 - o.scan_percent / 100);
      items[r] = {p, make_object(ids[r], body_bytes(o, ids[r]), bodies)->charge()};
    }
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.p / double(a.charge) > b.p / double(b.charge); });
    std::uint64_t used = 0;
    for (const auto& it : items)
      if (used + it.charge <= memory_bytes) {
        used += it.charge;
        trace.oracle += it.p;
      }
  }
  auto& t = trace.requests;
  t.reserve(o.requests);
  std::uint64_t scan_id = 1ull << 40;
  for (std::size_t i = 0; i < o.requests; ++i) {
    if (o.scan_percent > 0 && u(rng) * 100 < o.scan_percent) {
      t.push_back({scan_id, body_bytes(o, scan_id)});
      ++scan_id;
      continue;
    }
    const std::size_t r = std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin();
    const std::uint64_t id = ids[std::min(r, o.objects - 1)];
    t.push_back({id, body_bytes(o, id)});
  }
  return trace;
}

void run(const Options& o, const Trace& tr, std::uint64_t memory_bytes, const std::string& policy,
         std::vector<std::shared_ptr<const std::string>>& bodies) {
  const auto& trace = tr.requests;
  config::CacheStorage cfg;
  cfg.memory_bytes = memory_bytes;
  cfg.max_object_bytes = std::min<std::uint64_t>(1 << 20, cfg.memory_bytes / 16);
  cfg.policy = policy;
  core::FakeWallClock clock;
  auto store = cache::Store::create(cfg, clock);
  std::uint64_t hits = 0, hit_bytes = 0, bytes = 0;
  const auto any = [](const cache::Object&) { return true; };
  for (const auto& r : trace) {
    const std::string key = "/o/" + std::to_string(r.id);
    bytes += r.bytes;
    if (store->find(key, any)) {
      ++hits;
      hit_bytes += r.bytes;
      continue;
    }
    store->insert(make_object(r.id, r.bytes, bodies));
  }
  const auto st = store->stats();
  std::printf(
      "{\"policy\":\"%s\",\"alpha\":%.2f,\"cache_percent\":%.2f,\"scan_percent\":%.1f,\"sizes\":\"%s\","
      "\"objects\":%zu,\"requests\":%zu,\"memory_bytes\":%llu,\"hit_ratio\":%.4f,\"byte_hit_ratio\":%.4f,"
      "\"oracle\":%.4f,\"evictions\":%llu,\"rejected\":%llu}\n",
      policy.c_str(), o.alpha, o.cache_percent, o.scan_percent, o.sizes.c_str(), o.objects, trace.size(),
      (unsigned long long)cfg.memory_bytes, double(hits) / double(trace.size()),
      double(hit_bytes) / double(bytes), tr.oracle, (unsigned long long)st.evictions, (unsigned long long)st.rejected);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--objects") o.objects = std::strtoull(v, nullptr, 10);
    else if (k == "--requests") o.requests = std::strtoull(v, nullptr, 10);
    else if (k == "--alpha") o.alpha = std::strtod(v, nullptr);
    else if (k == "--cache-percent") o.cache_percent = std::strtod(v, nullptr);
    else if (k == "--scan-percent") o.scan_percent = std::strtod(v, nullptr);
    else if (k == "--sizes") o.sizes = v;
    else if (k == "--seed") o.seed = unsigned(std::strtoul(v, nullptr, 10));
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.objects == 0 || o.requests == 0) return 2;
  // The cache holds cache_percent of the catalog's charged bytes.
  std::vector<std::shared_ptr<const std::string>> bodies(65 * 1024 + 1);
  std::uint64_t catalog = 0;
  for (std::size_t id = 0; id < o.objects; ++id) catalog += make_object(id, body_bytes(o, id), bodies)->charge();
  const auto memory = std::uint64_t(double(catalog) * o.cache_percent / 100);
  const auto trace = make_trace(o, memory, bodies);
  for (const char* p : {"lru", "tinylfu"}) run(o, trace, memory, p, bodies);
  return 0;
}

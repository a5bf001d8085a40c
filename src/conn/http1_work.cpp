#include "conn/http1_work.hpp"

#include <vector>

#include "obs/metrics.hpp"

namespace strata::conn {

namespace {

obs::Gauge& pooled_gauge() {
  static obs::Gauge& g = obs::gauge("strata_http1_work_pooled",
                                    "HTTP/1.1 per-request states kept for reuse by the worker pools");
  return g;
}

struct Pool {
  std::vector<std::unique_ptr<Http1Work>> free;
  ~Pool() { pooled_gauge().sub(std::int64_t(free.size())); }
};

Pool& pool() {
  thread_local Pool p;
  return p;
}

}  // namespace

std::unique_ptr<Http1Work> acquire_http1_work() {
  auto& p = pool();
  if (!p.free.empty()) {
    auto w = std::move(p.free.back());
    p.free.pop_back();
    pooled_gauge().sub();
    return w;
  }
  auto w = std::make_unique<Http1Work>();
  w->in.resize(kHttp1InitialBuffer);
  return w;
}

void release_http1_work(std::unique_ptr<Http1Work> w) {
  if (!w) return;
  auto& p = pool();
  if (p.free.size() >= kHttp1WorkPoolMax) return;  // freed
  if (w->in.size() > kHttp1IdleBufferMax || w->in.size() < kHttp1InitialBuffer)
    std::string(kHttp1InitialBuffer, '\0').swap(w->in);
  w->out.clear();
  if (w->out.capacity() > kHttp1IdleOutMax) std::string().swap(w->out);
  if (p.free.capacity() == 0) p.free.reserve(kHttp1WorkPoolMax);
  p.free.push_back(std::move(w));
  pooled_gauge().add();
}

std::size_t http1_work_pooled() { return pool().free.size(); }

}  // namespace strata::conn

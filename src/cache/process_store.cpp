// The process's store (store.hpp: process_store / set_process_store). The
// process store alone publishes the store metrics (store_metrics.hpp).
#include <mutex>

#include "cache/store.hpp"
#include "cache/store_metrics.hpp"
#include "core/published.hpp"

namespace strata::cache {
namespace {
core::Published<Store> g_store;
std::mutex g_set_mu;  // orders set_process_store() calls (main thread and tests)
}  // namespace

std::shared_ptr<Store> process_store() { return g_store.get(); }

void set_process_store(std::shared_ptr<Store> s) {
  std::lock_guard lk(g_set_mu);
  Store* next = s.get();
  auto prev = g_store.exchange(std::move(s));
  detail::set_publishing(prev.get(), false);
  detail::set_publishing(next, true);
  if (!next) {
    detail::StoreMetrics::get().set_memory(0, 0);
    detail::StoreMetrics::get().set_disk(0, 0);
  }
}

}  // namespace strata::cache

// The process's store (store.hpp: process_store / set_process_store). The
// process store alone publishes the store metrics (store_metrics.hpp).
#include <mutex>

#include "cache/store.hpp"
#include "cache/store_metrics.hpp"

namespace strata::cache {
namespace {
std::mutex g_mu;
std::shared_ptr<Store> g_store;
}  // namespace

std::shared_ptr<Store> process_store() {
  std::lock_guard lk(g_mu);
  return g_store;
}

void set_process_store(std::shared_ptr<Store> s) {
  std::lock_guard lk(g_mu);
  detail::set_publishing(g_store.get(), false);
  g_store = std::move(s);
  detail::set_publishing(g_store.get(), true);
  if (!g_store) {
    detail::StoreMetrics::get().set_memory(0, 0);
    detail::StoreMetrics::get().set_disk(0, 0);
  }
}

}  // namespace strata::cache

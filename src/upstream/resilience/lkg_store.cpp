// The process's last-known-good store (lkg_store.hpp).
#include "upstream/resilience/lkg_store.hpp"

#include <mutex>

namespace strata::upstream::resilience {
namespace {
std::mutex g_mu;
std::shared_ptr<LkgStore> g_store;
}  // namespace

std::shared_ptr<LkgStore> lkg_store() {
  std::lock_guard lk(g_mu);
  return g_store;
}

void set_lkg_store(std::shared_ptr<LkgStore> s) {
  std::lock_guard lk(g_mu);
  g_store = std::move(s);
}

}  // namespace strata::upstream::resilience

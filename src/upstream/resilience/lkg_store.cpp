// The process's last-known-good store (lkg_store.hpp).
#include "upstream/resilience/lkg_store.hpp"

#include "core/published.hpp"

namespace strata::upstream::resilience {
namespace {
core::Published<LkgStore> g_store;
}  // namespace

std::shared_ptr<LkgStore> lkg_store() { return g_store.get(); }

void set_lkg_store(std::shared_ptr<LkgStore> s) { g_store.exchange(std::move(s)); }

}  // namespace strata::upstream::resilience

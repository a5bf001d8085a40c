#pragma once
// A process-wide object that a setup thread publishes and any thread reads:
// cache::process_store() and resilience::lkg_store() are two of them.
// get() is a lock-free atomic load of a shared_ptr (std::atomic<shared_ptr>,
// C++20); the reader's copy keeps the object alive for as long as it holds
// it, so a set() while a request is in flight never frees what it uses.
// Thread-safe.
#include <atomic>
#include <memory>

namespace strata::core {

template <class T>
class Published {
 public:
  std::shared_ptr<T> get() const { return p_.load(std::memory_order_acquire); }
  // Installs `next` and returns the one it replaces.
  std::shared_ptr<T> exchange(std::shared_ptr<T> next) {
    return p_.exchange(std::move(next), std::memory_order_acq_rel);
  }

 private:
  std::atomic<std::shared_ptr<T>> p_;
};

}  // namespace strata::core

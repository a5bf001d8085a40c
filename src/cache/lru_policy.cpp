// The "lru" policy (policy.hpp): admits everything, evicts the least
// recently used entries until the shard is within its byte bound.
#include "cache/policy.hpp"

namespace strata::cache::detail {
namespace {

class LruPolicy final : public Policy {
 public:
  explicit LruPolicy(std::uint64_t cap) : cap_(cap) {}
  void set_capacity(std::uint64_t bytes) override { cap_ = bytes; }
  std::uint64_t capacity() const override { return cap_; }
  void record_access(std::uint64_t) override {}
  void on_hit(Entry* e) override { list_.touch(e); }
  void on_insert(Entry* e, Removed& out) override {
    list_.push_mru(e);
    evict(out);
  }
  void adopt(Entry* e) override { list_.push_mru(e); }
  void on_remove(Entry* e) override { list_.remove(e); }
  void on_recharge(Entry* e, std::uint64_t charge) override { list_.recharge(e, charge); }
  void evict(Removed& out) override {
    while (list_.bytes() > cap_ && !list_.empty()) {
      Entry* v = list_.lru();
      list_.remove(v);
      out.evicted.push_back(v);
    }
  }
  std::uint64_t bytes() const override { return list_.bytes(); }
  void for_each(const std::function<void(Entry*)>& fn) const override {
    for (Entry* e = list_.lru(); e;) {
      Entry* next = e->next;
      fn(e);
      e = next;
    }
  }

 private:
  std::uint64_t cap_;
  EntryList list_;
};

}  // namespace

std::unique_ptr<Policy> make_lru_policy(std::uint64_t capacity) {
  return std::make_unique<LruPolicy>(capacity);
}

std::unique_ptr<Policy> make_policy(std::string_view name, std::uint64_t capacity) {
  if (name == "lru") return make_lru_policy(capacity);
  return make_tinylfu_policy(capacity);
}

}  // namespace strata::cache::detail

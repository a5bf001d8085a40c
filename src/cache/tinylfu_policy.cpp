// The "tinylfu" policy (policy.hpp): W-TinyLFU (Einziger, Friedman, Manes)
// over bytes. New entries enter a small LRU window (1% of the bytes). What
// overflows the window is a candidate for the main area, a segmented LRU
// (probation, and protected with 80% of the main bytes; a hit in probation
// promotes to protected, protected overflow demotes to probation). When the
// main area is full a candidate is admitted only if its estimated frequency
// (frequency_sketch.hpp) is above that of every main-area victim it would
// displace (least recently used of probation first, then of protected);
// otherwise the candidate is rejected. Popular objects therefore survive
// scans and one-hit wonders; the window keeps bursts of new objects.
#include <algorithm>

#include "cache/frequency_sketch.hpp"
#include "cache/policy.hpp"

namespace strata::cache::detail {
namespace {

enum Queue : std::uint8_t { kNone = 0, kWindow = 1, kProbation = 2, kProtected = 3 };

// Initial sketch size: an estimate of how many objects fit; it grows with
// the number of entries actually held.
constexpr std::uint64_t kAssumedObjectBytes = 8 << 10;
// A candidate seen at least this often is "warm" (see admit()).
constexpr unsigned kWarm = 6;

class TinyLfuPolicy final : public Policy {
 public:
  explicit TinyLfuPolicy(std::uint64_t cap) : sketch_(cap / kAssumedObjectBytes) { set_capacity(cap); }

  void set_capacity(std::uint64_t bytes) override {
    cap_ = bytes;
    window_cap_ = std::max<std::uint64_t>(1, cap_ / 100);
    protected_cap_ = (cap_ - window_cap_) / 10 * 8;
  }
  std::uint64_t capacity() const override { return cap_; }

  void record_access(std::uint64_t hash) override { sketch_.increment(hash); }

  void on_hit(Entry* e) override {
    switch (e->queue) {
      case kWindow: window_.touch(e); break;
      case kProtected: protected_.touch(e); break;
      case kProbation:
        probation_.remove(e);
        protected_.push_mru(e);
        e->queue = kProtected;
        while (protected_.bytes() > protected_cap_ && protected_.lru() != e) {
          Entry* d = protected_.lru();
          protected_.remove(d);
          probation_.push_mru(d);
          d->queue = kProbation;
        }
        break;
      default: break;
    }
  }

  void on_insert(Entry* e, Removed& out) override {
    window_.push_mru(e);
    e->queue = kWindow;
    grow_sketch();
    evict(out);
  }

  void adopt(Entry* e) override {
    probation_.push_mru(e);
    e->queue = kProbation;
    grow_sketch();
  }

  void on_remove(Entry* e) override {
    if (auto* l = list_of(e)) l->remove(e);
    e->queue = kNone;
  }

  void on_recharge(Entry* e, std::uint64_t charge) override {
    if (auto* l = list_of(e)) l->recharge(e, charge);
    else e->charge = charge;
  }

  void evict(Removed& out) override {
    std::vector<Entry*> candidates;
    while (window_.bytes() > window_cap_ && !window_.empty()) {
      Entry* c = window_.lru();
      window_.remove(c);
      c->queue = kNone;
      candidates.push_back(c);
    }
    for (Entry* c : candidates) admit(c, out);
    while (bytes() > cap_) {
      EntryList* l = !probation_.empty() ? &probation_ : !protected_.empty() ? &protected_ : &window_;
      if (l->empty()) break;
      Entry* v = l->lru();
      l->remove(v);
      v->queue = kNone;
      out.evicted.push_back(v);
    }
  }

  std::uint64_t bytes() const override { return window_.bytes() + probation_.bytes() + protected_.bytes(); }

  void for_each(const std::function<void(Entry*)>& fn) const override {
    for (const EntryList* l : {&probation_, &window_, &protected_})
      for (Entry* e = l->lru(); e;) {
        Entry* next = e->next;
        fn(e);
        e = next;
      }
  }

 private:
  EntryList* list_of(Entry* e) {
    switch (e->queue) {
      case kWindow: return &window_;
      case kProbation: return &probation_;
      case kProtected: return &protected_;
      default: return nullptr;
    }
  }

  void grow_sketch() {
    const std::uint64_t n = window_.size() + probation_.size() + protected_.size();
    if (n > sketch_.width()) sketch_.resize(n * 2);
  }

  // `c` left the window: into probation if there is room, else a duel with
  // the victims it would displace.
  void admit(Entry* c, Removed& out) {
    const std::uint64_t main = probation_.bytes() + protected_.bytes();
    const std::uint64_t total = main + window_.bytes() + c->charge;
    if (total <= cap_) {
      probation_.push_mru(c);
      c->queue = kProbation;
      return;
    }
    const std::uint64_t need = total - cap_;
    const unsigned fc = sketch_.frequency(c->hash);
    // A warm candidate sometimes wins whatever the victims' frequencies, so
    // that keys whose frequency an attacker inflates (hash collisions)
    // cannot pin the main area forever (as Caffeine does).
    const bool pass = fc >= kWarm && (next_random() & 127) == 0;
    std::vector<Entry*> victims;
    std::uint64_t freed = 0;
    unsigned strongest = 0;
    for (EntryList* l : {&probation_, &protected_})
      for (Entry* v = l->lru(); v && freed < need && (pass || strongest < fc); v = v->next) {
        victims.push_back(v);
        freed += v->charge;
        strongest = std::max(strongest, sketch_.frequency(v->hash));
      }
    if (freed < need || (!pass && strongest >= fc)) {
      out.rejected.push_back(c);
      return;
    }
    for (Entry* v : victims) {
      list_of(v)->remove(v);
      v->queue = kNone;
      out.evicted.push_back(v);
    }
    probation_.push_mru(c);
    c->queue = kProbation;
  }

  std::uint64_t next_random() {  // xorshift64: deterministic, cheap
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }

  std::uint64_t cap_ = 0, window_cap_ = 0, protected_cap_ = 0;
  std::uint64_t rng_ = 0x2545f4914f6cdd1dull;
  EntryList window_, probation_, protected_;
  FrequencySketch sketch_;
};

}  // namespace

std::unique_ptr<Policy> make_tinylfu_policy(std::uint64_t capacity) {
  return std::make_unique<TinyLfuPolicy>(capacity);
}

}  // namespace strata::cache::detail

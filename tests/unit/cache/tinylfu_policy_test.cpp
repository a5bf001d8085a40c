// cache/tinylfu_policy: W-TinyLFU on hand-made entries.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "cache/policy.hpp"

namespace strata::cache::detail {
namespace {

struct Entries {
  std::deque<Entry> all;
  Entry* make(std::uint64_t hash, std::uint64_t charge) {
    all.push_back(Entry{});
    Entry* e = &all.back();
    e->hash = hash * 0x9e3779b97f4a7c15ull + 1;
    e->charge = charge;
    return e;
  }
};

bool contains(const std::vector<Entry*>& v, Entry* e) { return std::find(v.begin(), v.end(), e) != v.end(); }

TEST(TinyLfuPolicy, AdmitsWhileThereIsRoomThenByFrequency) {
  Entries es;
  auto p = make_tinylfu_policy(10000);
  // 10 entries of 1000 bytes fill it; nothing is removed.
  std::vector<Entry*> in;
  for (int i = 0; i < 10; ++i) {
    Entry* e = es.make(i, 1000);
    p->record_access(e->hash);
    p->record_access(e->hash);
    Removed r;
    p->on_insert(e, r);
    EXPECT_TRUE(r.evicted.empty() && r.rejected.empty()) << i;
    in.push_back(e);
  }
  EXPECT_EQ(p->bytes(), 10000u);
  // A cold newcomer (seen once) loses to the residents (seen twice).
  Entry* cold = es.make(100, 1000);
  p->record_access(cold->hash);
  Removed r;
  p->on_insert(cold, r);
  EXPECT_TRUE(contains(r.rejected, cold));
  EXPECT_TRUE(r.evicted.empty());
  // A hot newcomer (seen 5 times) displaces the least recently used resident.
  Entry* hot = es.make(101, 1000);
  for (int i = 0; i < 5; ++i) p->record_access(hot->hash);
  Removed r2;
  p->on_insert(hot, r2);
  EXPECT_TRUE(r2.rejected.empty());
  ASSERT_EQ(r2.evicted.size(), 1u);
  EXPECT_LE(p->bytes(), 10000u);
}

TEST(TinyLfuPolicy, HitsProtectEntriesFromEviction) {
  Entries es;
  auto p = make_tinylfu_policy(10000);
  std::vector<Entry*> in;
  for (int i = 0; i < 10; ++i) {
    Entry* e = es.make(i, 1000);
    Removed r;
    p->on_insert(e, r);
    in.push_back(e);
  }
  // Entry 0 (the oldest) is hit: it moves to the protected segment.
  p->record_access(in[0]->hash);
  p->on_hit(in[0]);
  // Newcomers hotter than everyone push out residents, never entry 0 first.
  for (int i = 0; i < 3; ++i) {
    Entry* n = es.make(200 + i, 1000);
    for (int k = 0; k < 8; ++k) p->record_access(n->hash);
    Removed r;
    p->on_insert(n, r);
    EXPECT_FALSE(contains(r.evicted, in[0]));
    EXPECT_EQ(r.evicted.size(), 1u);
  }
}

TEST(TinyLfuPolicy, AWarmCandidateEventuallyBeatsInflatedResidents) {
  Entries es;
  auto p = make_tinylfu_policy(4000);
  for (int i = 0; i < 4; ++i) {
    Entry* e = es.make(i, 1000);
    for (int k = 0; k < 20; ++k) p->record_access(e->hash);  // saturated counters
    Removed r;
    p->on_insert(e, r);
  }
  int warm_wins = 0, cold_wins = 0;
  for (int t = 0; t < 600; ++t) {
    Entry* warm = es.make(1000 + t, 1000);
    for (int k = 0; k < 7; ++k) p->record_access(warm->hash);
    Removed r;
    p->on_insert(warm, r);
    warm_wins += contains(r.rejected, warm) ? 0 : 1;
    Entry* cold = es.make(100000 + t, 1000);
    p->record_access(cold->hash);
    Removed r2;
    p->on_insert(cold, r2);
    cold_wins += contains(r2.rejected, cold) ? 0 : 1;
    // Keep the residents saturated.
    p->for_each([&](Entry* e) {
      for (int k = 0; k < 2; ++k) p->record_access(e->hash);
    });
  }
  EXPECT_GE(warm_wins, 1);   // about 600/128
  EXPECT_LE(warm_wins, 20);
  EXPECT_EQ(cold_wins, 0);
}

TEST(TinyLfuPolicy, ShrinkingEvictsAndAdoptKeepsEverything) {
  Entries es;
  auto p = make_tinylfu_policy(10000);
  for (int i = 0; i < 10; ++i) p->adopt(es.make(i, 1000));
  EXPECT_EQ(p->bytes(), 10000u);
  p->set_capacity(4000);
  Removed r;
  p->evict(r);
  EXPECT_EQ(r.evicted.size(), 6u);
  EXPECT_EQ(p->bytes(), 4000u);
  std::size_t n = 0;
  p->for_each([&](Entry*) { ++n; });
  EXPECT_EQ(n, 4u);
}

}  // namespace
}  // namespace strata::cache::detail

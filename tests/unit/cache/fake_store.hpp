// Test helper: a cache::Store that records purges and serves canned
// objects, for the admin API and purge bus tests (the real store has its
// own tests). Thread-safe enough for one bus thread + the test thread.
#pragma once
#include <mutex>
#include <string>
#include <vector>

#include "cache/store.hpp"

namespace strata::test {

class FakeStore : public cache::Store {
 public:
  struct Call {
    std::string kind;  // tag, url, prefix, all
    std::string arg;
    cache::PurgeMode mode;
  };
  std::vector<cache::ObjectPtr> objects;  // by_url serves these
  std::vector<std::pair<std::string, std::uint64_t>> tag_list;
  cache::StoreStats stats_value;
  std::size_t per_purge = 1;  // each purge call "affects" this many

  std::vector<Call> calls() const {
    std::lock_guard lk(mu_);
    return calls_;
  }

  cache::ObjectPtr find(std::string_view, const std::function<bool(const cache::Object&)>&) override { return {}; }
  std::vector<cache::ObjectPtr> variants(std::string_view) override { return {}; }
  std::vector<cache::ObjectPtr> by_url(std::string_view url) override {
    std::vector<cache::ObjectPtr> out;
    for (const auto& o : objects)
      if (o->url == url) out.push_back(o);
    return out;
  }
  bool insert(cache::ObjectPtr) override { return false; }
  bool replace(const cache::ObjectPtr&, cache::ObjectPtr) override { return false; }
  std::size_t erase(std::string_view) override { return 0; }
  std::size_t purge_tag(std::string_view t, cache::PurgeMode m) override { return record("tag", t, m); }
  std::size_t purge_url(std::string_view u, cache::PurgeMode m) override { return record("url", u, m); }
  std::size_t purge_prefix(std::string_view p, cache::PurgeMode m) override { return record("prefix", p, m); }
  std::size_t purge_all(cache::PurgeMode m) override { return record("all", "", m); }
  std::vector<std::pair<std::string, std::uint64_t>> tags(std::size_t limit) override {
    auto t = tag_list;
    if (t.size() > limit) t.resize(limit);
    return t;
  }
  cache::StoreStats stats() const override { return stats_value; }
  void reconfigure(const config::CacheStorage&) override {}

 private:
  std::size_t record(std::string kind, std::string_view arg, cache::PurgeMode m) {
    std::lock_guard lk(mu_);
    calls_.push_back({std::move(kind), std::string(arg), m});
    return per_purge;
  }
  mutable std::mutex mu_;
  std::vector<Call> calls_;
};

}  // namespace strata::test

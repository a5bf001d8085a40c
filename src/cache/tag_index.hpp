// Internal to the store: one shard's tag -> entries index (purge by tag,
// the admin's tag counts). Guarded by the shard's mutex.
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cache/store_entry.hpp"

namespace strata::cache::detail {

class TagIndex {
 public:
  void add(Entry* e) {
    for (const auto& t : e->obj->tags) by_tag_[t].insert(e);
  }
  void remove(Entry* e) {
    for (const auto& t : e->obj->tags) {
      auto it = by_tag_.find(t);
      if (it == by_tag_.end()) continue;
      it->second.erase(e);
      if (it->second.empty()) by_tag_.erase(it);
    }
  }
  // The entries tagged `tag` (a copy: the caller may remove them).
  std::vector<Entry*> find(std::string_view tag) const {
    auto it = by_tag_.find(std::string(tag));
    if (it == by_tag_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }
  template <class Fn>
  void for_each_count(Fn&& fn) const {
    for (const auto& [tag, set] : by_tag_) fn(tag, set.size());
  }
  void clear() { by_tag_.clear(); }

 private:
  std::unordered_map<std::string, std::unordered_set<Entry*>> by_tag_;
};

}  // namespace strata::cache::detail

// Internal to the store (store.cpp and its policies): one stored object in
// memory and the intrusive recency list the policies keep entries on.
// Guarded by the owning shard's mutex; never handed out of the store.
#pragma once
#include <cstdint>

#include "cache/object.hpp"

namespace strata::cache::detail {

struct Entry {
  ObjectPtr obj;
  std::uint64_t charge = 0;  // obj->charge(), cached
  std::uint64_t hash = 0;    // hash of obj->key (the policy's frequency key)
  // Policy state: which list the entry is on and its links there.
  Entry* prev = nullptr;
  Entry* next = nullptr;
  std::uint8_t queue = 0;
};

// A doubly linked list of entries, least recently used at the head, with
// the sum of their charges. Does not own the entries.
class EntryList {
 public:
  bool empty() const { return head_ == nullptr; }
  Entry* lru() const { return head_; }
  Entry* mru() const { return tail_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t size() const { return size_; }

  void push_mru(Entry* e) {
    e->prev = tail_;
    e->next = nullptr;
    if (tail_) tail_->next = e;
    else head_ = e;
    tail_ = e;
    bytes_ += e->charge;
    ++size_;
  }
  void remove(Entry* e) {
    if (e->prev) e->prev->next = e->next;
    else head_ = e->next;
    if (e->next) e->next->prev = e->prev;
    else tail_ = e->prev;
    e->prev = e->next = nullptr;
    bytes_ -= e->charge;
    --size_;
  }
  void touch(Entry* e) {
    remove(e);
    push_mru(e);
  }
  // An entry on this list changes its charge (the store replaced its object).
  void recharge(Entry* e, std::uint64_t charge) {
    bytes_ = bytes_ - e->charge + charge;
    e->charge = charge;
  }

 private:
  Entry* head_ = nullptr;
  Entry* tail_ = nullptr;
  std::uint64_t bytes_ = 0;
  std::uint64_t size_ = 0;
};

}  // namespace strata::cache::detail

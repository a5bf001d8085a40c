// The stream table of an h2 session (client or server side): an
// unordered_map from stream id to its state, whose map nodes are kept for
// reuse when a stream ends (up to `kSpare`), so opening a stream in the
// steady state allocates no node (`Spare` nodes at most are kept). get()
// remembers the last stream it found: the callbacks of one frame, and the
// frames of one stream, look the same id up again and again (each lookup
// of the map divides by the bucket count). Not thread-safe (one session's
// thread).
#pragma once
#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

namespace strata::codec::http2 {

template <class Id, class Value, std::size_t Spare>
class StreamMap {
 public:
  using Map = std::unordered_map<Id, std::unique_ptr<Value>>;
  // Inserts (or replaces, as operator[] would) the stream `id`, reusing a
  // spare node when one is kept.
  void put(Id id, std::unique_ptr<Value> v) {
    if (last_id_ == id) last_ = v.get();
    if (spare_.empty()) {
      map_[id] = std::move(v);
      return;
    }
    auto node = std::move(spare_.back());
    spare_.pop_back();
    node.key() = id;
    node.mapped() = std::move(v);
    auto r = map_.insert(std::move(node));
    if (!r.inserted) r.position->second = std::move(r.node.mapped());
  }
  // Removes `it` and returns its value; the node is kept for reuse.
  std::unique_ptr<Value> take(typename Map::iterator it) {
    if (it->first == last_id_) last_ = nullptr, last_id_ = Id{};
    auto node = map_.extract(it);
    auto v = std::move(node.mapped());
    if (spare_.size() < Spare) spare_.push_back(std::move(node));
    return v;
  }

  // The stream `id`, or null.
  Value* get(Id id) const {
    if (id == last_id_ && last_) return last_;
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    last_id_ = id;
    last_ = it->second.get();
    return last_;
  }
  typename Map::iterator find(Id id) { return map_.find(id); }
  typename Map::const_iterator find(Id id) const { return map_.find(id); }
  typename Map::iterator begin() { return map_.begin(); }
  typename Map::iterator end() { return map_.end(); }
  typename Map::const_iterator begin() const { return map_.begin(); }
  typename Map::const_iterator end() const { return map_.end(); }
  std::size_t size() const { return map_.size(); }
  void reserve(std::size_t n) { map_.reserve(n); }

 private:
  Map map_;
  std::vector<typename Map::node_type> spare_;
  mutable Id last_id_{};
  mutable Value* last_ = nullptr;
};

}  // namespace strata::codec::http2

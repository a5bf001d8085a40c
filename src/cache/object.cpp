#include "cache/object.hpp"

namespace strata::cache {

namespace {
// Bookkeeping the store keeps per object besides its strings: the object
// itself, its store entry, its index slots. An estimate; keeps many tiny
// objects from looking free.
constexpr std::uint64_t kObjectOverhead = 256;
constexpr std::uint64_t kFieldOverhead = 32;  // per header / vary field / tag
}  // namespace

std::uint64_t Object::charge() const {
  std::uint64_t n = kObjectOverhead + key.size() + url.size();
  for (const auto& f : vary) n += kFieldOverhead + f.name.size() + f.value.size();
  for (const auto& f : headers) n += kFieldOverhead + f.name.size() + f.value.size();
  for (const auto& t : tags) n += kFieldOverhead + t.size();
  if (body) n += body->footprint();  // a memfd: whole pages
  return n;
}

const std::string* Object::header(std::string_view name) const {
  for (const auto& f : headers)
    if (f.name == name) return &f.value;
  return nullptr;
}

}  // namespace strata::cache

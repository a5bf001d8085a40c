// Maps keyed by a channel or user name that are looked up with a
// std::string_view, with no temporary std::string (transparent hash).
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace strata::hub {

struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <class V>
using NameMap = std::unordered_map<std::string, V, NameHash, std::equal_to<>>;

}  // namespace strata::hub

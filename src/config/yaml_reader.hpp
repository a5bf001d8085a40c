// Strict, location-aware reading of yaml-cpp nodes for the config loader.
// Every failure throws ConfigError naming file:line:column. Internal to
// src/config (namespace detail); not thread-affine, one Doc per load.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace strata::config::detail {

// The file being loaded: its name for messages and the directory relative
// paths are resolved against ("" = current directory).
struct Doc {
  // Values read from one document, counted through aliases: YAML anchors
  // let a few bytes name a huge tree ("billion laughs"); past this many
  // the file is rejected instead of exhausting memory.
  static constexpr std::size_t kMaxValues = 100'000;

  std::string file;
  std::string base_dir;
  mutable std::size_t values_read = 0;

  // Counts one value; throws ConfigError at `loc` once kMaxValues is passed.
  void count_value(const Location& loc) const;

  Location at(const YAML::Mark& m) const;
  [[noreturn]] void fail(const Location& loc, const std::string& msg) const;
  // Relative paths become base_dir/path; absolute paths are unchanged.
  std::string resolve_path(const std::string& p) const;
};

// A node with the location to blame for it. For a null value ("key:" with
// nothing after it) the location is the key's, since yaml-cpp marks empty
// values at the next token.
struct Val {
  YAML::Node node;
  Location loc;
};

Val root_val(const Doc& doc, const YAML::Node& n);

// A mapping read with an allow-list of keys: rejects non-mappings, non-scalar
// or duplicate keys and unknown keys (at the key's location).
class MapReader {
 public:
  MapReader(const Doc& doc, const Val& v, std::string_view what,
            std::initializer_list<std::string_view> allowed);
  // Same, plus `optional` keys that are allowed too but join the expected
  // keys of the unknown-key message only when the mapping uses them (so the
  // message for configs without them stays as it was).
  MapReader(const Doc& doc, const Val& v, std::string_view what,
            std::initializer_list<std::string_view> allowed,
            std::initializer_list<std::string_view> optional);
  // A mapping with arbitrary (user-chosen) scalar keys, e.g. route table names.
  MapReader(const Doc& doc, const Val& v, std::string_view what);

  std::optional<Val> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  // Throws "missing required key 'k' in <what>" at the mapping's location.
  Val require(std::string_view key) const;

  struct Entry {
    std::string key;
    Location key_loc;
    Val value;
  };
  const std::vector<Entry>& entries() const { return entries_; }
  const Location& loc() const { return loc_; }
  const Doc& doc() const { return doc_; }

 private:
  void read(const Val& v, std::string_view what);
  const Doc& doc_;
  Location loc_;
  std::string what_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // key -> entries_ position
};

// Scalars. `what` names the value in messages ("workers", "listener name").
std::string as_string(const Doc& d, const Val& v, std::string_view what);
bool as_bool(const Doc& d, const Val& v, std::string_view what);
std::uint64_t as_uint(const Doc& d, const Val& v, std::string_view what, std::uint64_t min,
                      std::uint64_t max);
Duration as_duration(const Doc& d, const Val& v, std::string_view what, Duration min = Duration(0));
std::uint64_t as_size(const Doc& d, const Val& v, std::string_view what, std::uint64_t min,
                      std::uint64_t max);
// A sequence; each element with its own location. A null value is an error.
std::vector<Val> as_seq(const Doc& d, const Val& v, std::string_view what);
std::vector<std::string> as_string_list(const Doc& d, const Val& v, std::string_view what);

// Convenience on a MapReader: assign `out` when the key is present.
void opt_string(const MapReader& m, std::string_view key, std::string& out);
void opt_string(const MapReader& m, std::string_view key, std::optional<std::string>& out);
void opt_bool(const MapReader& m, std::string_view key, bool& out);
void opt_duration(const MapReader& m, std::string_view key, Duration& out, Duration min = Duration(0));
void opt_duration(const MapReader& m, std::string_view key, std::optional<Duration>& out,
                  Duration min = Duration(0));
inline constexpr std::uint64_t kU32 = 0xffffffffull;  // the largest 32-bit count, for opt_uint
template <class T>
void opt_uint(const MapReader& m, std::string_view key, T& out, std::uint64_t min,
              std::uint64_t max) {
  if (auto v = m.get(key)) out = static_cast<T>(as_uint(m.doc(), *v, key, min, max));
}
template <class T>
void opt_size(const MapReader& m, std::string_view key, T& out, std::uint64_t min,
              std::uint64_t max) {
  if (auto v = m.get(key)) out = static_cast<T>(as_size(m.doc(), *v, key, min, max));
}

// One of a fixed set of words, e.g. lb: round_robin|least_request|...
std::string as_enum(const Doc& d, const Val& v, std::string_view what,
                    std::initializer_list<std::string_view> choices);

}  // namespace strata::config::detail

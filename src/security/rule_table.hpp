// The process-wide state of one rule (config::Rule, docs/security.md "Rules
// and penalties"): per key a sliding-window counter (sliding_window.hpp),
// the penalty the key is under (since/until), and for rate_limit penalties
// a GCRA state. Over `threshold` counted events in `window` a key gets the
// rule's action for `duration`; the penalty ends when it expires (noticed on
// the next touch of the key or sweep()) or when lift() removes it. One log
// line when a penalty starts and one when it ends.
//
// Bounded: at most max_keys keys, the least recently used one evicted first
// (strata_rule_keys_evicted_total{rule}; an evicted key's penalty ends with
// reason "evicted"). Keys are spread over shards (one when max_keys < 1024,
// so small tables evict exactly in LRU order).
//
// Thread: every method is safe from any thread (a mutex per shard). The
// clock is injected (core/clock.hpp) so tests advance time without sleeping;
// it must outlive the table.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/security.hpp"
#include "core/clock.hpp"

namespace strata::security {

enum class RuleAction : std::uint8_t { rate_limit, block, tarpit };
std::string_view action_name(RuleAction a);

// What an active penalty asks for one request.
struct Verdict {
  enum Kind : std::uint8_t { none, rate_limited, block, close, tarpit } kind = none;
  std::chrono::milliseconds wait{0};  // rate_limited: retry after; tarpit: the delay
};

struct PenaltyInfo {
  std::string rule, key, action;
  std::chrono::system_clock::time_point since, until;  // wall clock, for people
  std::chrono::milliseconds remaining{0};
  bool dry_run = false;
};

class RuleTable {
 public:
  RuleTable(const config::Rule& rule, const core::Clock& clock);
  ~RuleTable();
  RuleTable(const RuleTable&) = delete;
  RuleTable& operator=(const RuleTable&) = delete;

  const config::Rule& rule() const { return rule_; }
  RuleAction action() const { return action_; }

  // Counts `n` events for `key` (n = 0 counts nothing but touches the key).
  // Returns true when this started a penalty.
  bool count(std::string_view key, std::uint64_t n = 1);
  // For replayed_early_data: remembers `hash` (of the request) for `key`
  // and returns true when it was already seen within the window.
  bool repeat(std::string_view key, std::uint64_t hash);
  // The penalty's verdict for one request of `key` (none without a
  // penalty, or in dry_run). A rate_limit penalty spends one GCRA token.
  Verdict check(std::string_view key);
  // Whether `key` is under a penalty now (no token spent).
  bool penalized(std::string_view key);

  // Active penalties (expired ones are ended first).
  std::vector<PenaltyInfo> penalties();
  // Ends the penalty of `key` (or, for a credential key, of the key whose
  // shown hash `key` is) (reason "removed": the admin API), or of
  // every key when `key` is nullopt. Returns how many ended.
  std::size_t lift(std::optional<std::string_view> key, std::string_view reason = "removed");
  // Ends the penalties that expired (the log line and gauge then follow).
  void sweep();
  std::size_t keys() const;

 private:
  struct Shard;
  Shard& shard(std::string_view key);
  void end_locked(Shard& s, const std::string* kp, std::string_view reason);
  const config::Rule rule_;
  const RuleAction action_;
  const bool secret_;  // keys hold a credential: shown hashed (key_display.hpp)
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::size_t per_shard_;
  struct Metrics;
  std::unique_ptr<Metrics> m_;
};

}  // namespace strata::security

// Rules with penalties (config::Rule; docs/security.md "Rules and
// penalties"): the compiled rules of one configuration (RuleSet) and the
// process-wide registry that keeps each rule's state (security/
// rule_table.hpp) across reloads.
//
// A RuleSet is built from `security: rules:` by RuleRegistry::configure():
// a rule whose config is unchanged (same name, equal fields) keeps its
// table, so its counters and penalties survive a reload; a changed or new
// rule starts empty; a removed rule's state goes with the last
// configuration that used it. Immutable once built (tables are
// thread-safe); shared by every worker and listener.
//
// Rules run before routing, so a key may use client_prefix, client_ip,
// header:<name> and cookie:<name> (the loader refuses route and jwt:);
// new_connections rules only client_prefix / client_ip.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/security.hpp"
#include "core/clock.hpp"
#include "http/message.hpp"
#include "security/rule_table.hpp"

namespace strata::security {

class RuleMatcher;  // security/rule_match.hpp

enum class RuleCounter : std::uint8_t {
  requests,
  new_connections,
  early_data_requests,
  replayed_early_data,
  status_4xx,
  status_5xx,
  bytes
};
// The counter named `s` (config spelling); false for an unknown name.
bool parse_counter(std::string_view s, RuleCounter& out);

struct CompiledRule {
  std::shared_ptr<RuleTable> table;
  RuleCounter counter = RuleCounter::requests;
  std::shared_ptr<const RuleMatcher> match;  // null: every request

  const config::Rule& rule() const { return table->rule(); }
  bool matches(const http::Request& req) const;
  // The key of a request (req null: a connection, only address parts).
  std::string key(std::string_view client_ip, const http::Request* req) const;
  bool counter_is_connection() const { return counter == RuleCounter::new_connections; }
  // Counted in the log phase (the answer's status or size)?
  bool counts_at_log() const {
    return counter == RuleCounter::status_4xx || counter == RuleCounter::status_5xx ||
           counter == RuleCounter::bytes;
  }
};

// The hash of a request for replayed_early_data: method, authority, path.
std::uint64_t request_hash(const http::Request& req);

class RuleSet {
 public:
  // `previous` (may be null): tables of unchanged rules are taken from it.
  // Throws std::invalid_argument for a bad rule (the loader checks first).
  RuleSet(const std::vector<config::Rule>& rules, const core::Clock& clock,
          const RuleSet* previous);
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<config::Rule>& config() const { return config_; }
  bool empty() const { return rules_.empty(); }
  // A new connection from `ip` (conn/accept.cpp, before TLS): counts the
  // new_connections rules; true when the address is under the penalty of a
  // block_close rule keyed only on the address and without `match` (the
  // connection is then closed at once).
  bool on_connection(std::string_view ip) const;
  const CompiledRule* find(std::string_view name) const;
  // Ends expired penalties of every rule (their log lines, the gauge), at
  // most once a second; called per request.
  void maybe_sweep() const;

 private:
  std::vector<config::Rule> config_;
  std::vector<CompiledRule> rules_;
  const core::Clock& clock_;
  mutable std::atomic<std::int64_t> next_sweep_ns_{0};
};

class RuleRegistry {
 public:
  explicit RuleRegistry(const core::Clock& clock = core::SteadyClock::instance())
      : clock_(clock) {}
  // The process's registry (server, admin, accept).
  static RuleRegistry& global();
  // The rule set for `rules`: the current one when they are unchanged, else
  // a new current one (reusing unchanged rules' tables). Thread-safe.
  std::shared_ptr<const RuleSet> configure(const std::vector<config::Rule>& rules);
  // The current rule set (null before the first configure()).
  std::shared_ptr<const RuleSet> current() const;

 private:
  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const RuleSet> current_;
};

}  // namespace strata::security

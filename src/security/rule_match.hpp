// The `match` of a rule (config::RuleMatch), compiled once per rule set:
// the path (exact, prefix or RE2 full match; the query is not part of it),
// methods (any of; empty = any) and headers (each named header must have a
// field whose value fully matches its RE2). Immutable; safe from any thread.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/security.hpp"
#include "http/message.hpp"

namespace re2 {
class RE2;
}

namespace strata::security {

class RuleMatcher {
 public:
  // Throws std::invalid_argument for a regex that does not compile (the
  // loader refuses those first).
  explicit RuleMatcher(const config::RuleMatch& m);
  ~RuleMatcher();
  RuleMatcher(const RuleMatcher&) = delete;
  RuleMatcher& operator=(const RuleMatcher&) = delete;
  bool matches(const http::Request& req) const;
  // True when `m` has no condition (every request matches).
  static bool empty(const config::RuleMatch& m);

 private:
  std::string path_, prefix_;
  std::unique_ptr<re2::RE2> regex_;
  std::vector<std::string> methods_;
  std::vector<std::pair<std::string, std::unique_ptr<re2::RE2>>> headers_;
};

}  // namespace strata::security

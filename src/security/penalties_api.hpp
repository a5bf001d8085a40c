// The admin API of rule penalties (admin/admin_handler.cpp routes to it):
//   GET    /security/penalties                 every active penalty (JSON array of
//          {rule, key, action, since, until, remaining, dry_run}; since/until
//          are UTC RFC 3339 times, remaining is seconds)
//   DELETE /security/penalties?rule=R[&key=K]  lifts R's penalty of key K, or
//          all of R's penalties without key (200 {"removed": n}; 404 unknown
//          rule; 400 without rule). Query values are percent-decoded.
// Reads the process-wide registry's current rule set; thread-safe.
#pragma once
#include <string>
#include <string_view>

#include "security/rules.hpp"

namespace strata::security {

struct ApiAnswer {
  int status = 200;
  std::string body;  // JSON
};

ApiAnswer penalties_list(const RuleSet* set);
ApiAnswer penalties_delete(const RuleSet* set, std::string_view query);

}  // namespace strata::security

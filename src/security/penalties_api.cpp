#include "security/penalties_api.hpp"

#include <fmt/format.h>
#include <time.h>

#include <nlohmann/json.hpp>
#include <optional>

namespace strata::security {

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = part.find('=');
    if (decode(part.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string() : decode(part.substr(eq + 1));
  }
  return std::nullopt;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const time_t secs = time_t(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

std::string error(std::string_view msg) {
  return nlohmann::json{{"error", msg}}.dump() + "\n";
}

}  // namespace

ApiAnswer penalties_list(const RuleSet* set) {
  auto arr = nlohmann::ordered_json::array();
  if (set)
    for (const auto& r : set->rules())
      for (const auto& p : r.table->penalties())
        arr.push_back({{"rule", p.rule},
                       {"key", p.key},
                       {"action", p.action},
                       {"since", rfc3339(p.since)},
                       {"until", rfc3339(p.until)},
                       {"remaining", double(p.remaining.count()) / 1000.0},
                       {"dry_run", p.dry_run}});
  return {200, arr.dump() + "\n"};
}

ApiAnswer penalties_delete(const RuleSet* set, std::string_view query) {
  const auto rule = param(query, "rule");
  if (!rule || rule->empty()) return {400, error("give ?rule=<name> (and optionally &key=<key>)")};
  const CompiledRule* c = set ? set->find(*rule) : nullptr;
  if (!c) return {404, error("no rule named '" + *rule + "'")};
  const auto key = param(query, "key");
  const auto n = c->table->lift(key ? std::optional<std::string_view>(*key) : std::nullopt);
  return {200, nlohmann::json{{"removed", n}}.dump() + "\n"};
}

}  // namespace strata::security

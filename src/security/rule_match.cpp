#include "security/rule_match.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <stdexcept>

namespace strata::security {

namespace {

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, opts);
  if (!re->ok()) throw std::invalid_argument("bad regular expression '" + pattern + "': " + re->error());
  return re;
}

bool full(const re2::RE2& re, std::string_view s) {
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), re);
}

}  // namespace

RuleMatcher::RuleMatcher(const config::RuleMatch& m) : methods_(m.methods) {
  if (m.path) path_ = *m.path;
  if (m.prefix) prefix_ = *m.prefix;
  if (m.regex) regex_ = compile(*m.regex);
  for (const auto& [name, re] : m.headers) headers_.emplace_back(name, compile(re));
}

RuleMatcher::~RuleMatcher() = default;

bool RuleMatcher::empty(const config::RuleMatch& m) {
  return !m.path && !m.prefix && !m.regex && m.methods.empty() && m.headers.empty();
}

bool RuleMatcher::matches(const http::Request& req) const {
  const auto path = req.path();
  if (!path_.empty() && path != path_) return false;
  if (!prefix_.empty() && !path.starts_with(prefix_)) return false;
  if (regex_ && !full(*regex_, path)) return false;
  if (!methods_.empty() && std::find(methods_.begin(), methods_.end(), req.method) == methods_.end())
    return false;
  for (const auto& [name, re] : headers_) {
    bool any = false;
    for (const auto& f : req.headers)
      if (f.name == name && full(*re, f.value)) {
        any = true;
        break;
      }
    if (!any) return false;
  }
  return true;
}

}  // namespace strata::security

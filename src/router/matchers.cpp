#include "router/matchers.hpp"

#include <algorithm>

#include <re2/re2.h>

namespace strata::router {

namespace {
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

bool iends_with(std::string_view s, std::string_view lower_suffix) {
  if (s.size() < lower_suffix.size()) return false;
  auto tail = s.substr(s.size() - lower_suffix.size());
  for (std::size_t i = 0; i < tail.size(); ++i)
    if (lower(tail[i]) != lower_suffix[i]) return false;
  return true;
}

std::string upper(std::string_view s) {
  std::string o(s);
  for (auto& c : o)
    if (c >= 'a' && c <= 'z') c = char(c - 32);
  return o;
}
}  // namespace

std::string_view host_of(std::string_view a) {
  if (!a.empty() && a.front() == '[') {
    auto close = a.find(']');
    return close == std::string_view::npos ? a : a.substr(0, close + 1);
  }
  auto colon = a.rfind(':');
  if (colon == std::string_view::npos) return a;
  // More than one colon without brackets: a bare IPv6 address, no port.
  if (a.find(':') != colon) return a;
  return a.substr(0, colon);
}

Regex::Regex(const std::string& pattern, const config::Location& loc) {
  RE2::Options opt;
  opt.set_log_errors(false);
  re_ = std::make_unique<re2::RE2>(pattern, opt);
  if (!re_->ok()) throw RouteError(loc, "bad regex '" + pattern + "': " + re_->error());
}

Regex::~Regex() = default;

bool Regex::full_match(std::string_view s) const {
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

HostMatcher::HostMatcher(const std::vector<std::string>& hosts) {
  for (const auto& h : hosts) {
    auto l = http::to_lower(host_of(h));
    if (l.size() > 2 && l[0] == '*' && l[1] == '.') suffixes_.push_back(l.substr(1));
    else exact_.push_back(std::move(l));
  }
}

bool HostMatcher::matches(std::string_view host) const {
  if (exact_.empty() && suffixes_.empty()) return true;
  // A fully qualified name ("example.com.") matches like "example.com".
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  for (const auto& e : exact_)
    if (http::iequals(host, e)) return true;
  for (const auto& s : suffixes_)
    if (host.size() > s.size() && iends_with(host, s)) return true;
  return false;
}

PathMatcher::PathMatcher(const config::Match& m, const config::Location& loc) {
  int n = int(m.path.has_value()) + int(m.prefix.has_value()) + int(m.regex.has_value());
  if (n > 1) throw RouteError(loc, "a route matches at most one of path, prefix, regex");
  if (m.path) {
    kind_ = Kind::exact;
    text_ = *m.path;
  } else if (m.prefix) {
    kind_ = Kind::prefix;
    text_ = *m.prefix;
  } else if (m.regex) {
    kind_ = Kind::regex;
    re_ = std::make_unique<Regex>(*m.regex, loc);
  }
}

bool PathMatcher::matches(std::string_view path) const {
  switch (kind_) {
    case Kind::any: return true;
    case Kind::exact: return path == text_;
    case Kind::prefix: return path.starts_with(text_);
    case Kind::regex: return re_->full_match(path);
  }
  return false;
}

std::string_view PathMatcher::matched_prefix(std::string_view path) const {
  switch (kind_) {
    case Kind::exact:
    case Kind::prefix: return path.starts_with(text_) ? std::string_view(text_) : std::string_view();
    default: return {};
  }
}

HeaderMatcher::HeaderMatcher(const config::HeaderMatch& m, const config::Location& loc)
    : name_(http::to_lower(m.name)), present_(m.present), exact_(m.exact), prefix_(m.prefix) {
  if (name_.empty()) throw RouteError(loc, "header match without a name");
  if (m.regex) re_ = std::make_unique<Regex>(*m.regex, loc);
}

bool HeaderMatcher::value_matches(std::string_view v) const {
  if (exact_ && v != *exact_) return false;
  if (prefix_ && !v.starts_with(*prefix_)) return false;
  if (re_ && !re_->full_match(v)) return false;
  return true;
}

bool HeaderMatcher::matches(const http::Headers& h) const {
  bool seen = false;
  for (const auto& f : h) {
    if (f.name != name_) continue;  // names are stored lower-case
    if (!present_) return false;
    seen = true;
    if (value_matches(f.value)) return true;
  }
  return !present_ && !seen;
}

RequestMatcher::RequestMatcher(const config::Match& m, const config::Location& loc)
    : host_(m.hosts), path_(m, loc) {
  for (const auto& x : m.methods) methods_.push_back(upper(x));
  for (const auto& hm : m.headers) headers_.emplace_back(hm, loc);
}

bool RequestMatcher::matches(const http::Request& req, std::string_view host,
                             std::string_view path) const {
  if (!methods_.empty() &&
      std::find(methods_.begin(), methods_.end(), req.method) == methods_.end())
    return false;
  if (!host_.matches(host)) return false;
  if (!path_.matches(path)) return false;
  for (const auto& h : headers_)
    if (!h.matches(req.headers)) return false;
  return true;
}

}  // namespace strata::router

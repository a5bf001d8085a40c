// Request matchers compiled from config::Match: host (exact or "*.suffix"),
// path (exact, prefix or RE2 full match), methods and headers. Built once
// per configuration snapshot; immutable afterwards, so matching is safe
// from any thread and never allocates or compiles a regex.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/message.hpp"

namespace re2 {
class RE2;
}

namespace strata::router {

// A route that cannot be compiled (bad regex, unknown cluster, bad value).
class RouteError : public std::runtime_error {
 public:
  RouteError(config::Location loc, const std::string& msg)
      : std::runtime_error(msg), loc_(std::move(loc)) {}
  const config::Location& where() const { return loc_; }
 private:
  config::Location loc_;
};

// The host part of an authority: port removed, IPv6 brackets kept
// ("[::1]:80" -> "[::1]", "Example.com:8080" -> "Example.com"). No copy.
std::string_view host_of(std::string_view authority);

// Shared RE2 wrapper so the heavy header stays out of this one.
class Regex {
 public:
  // Throws RouteError (with `loc`) when `pattern` does not compile.
  Regex(const std::string& pattern, const config::Location& loc);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  bool full_match(std::string_view s) const;
 private:
  std::unique_ptr<re2::RE2> re_;
};

// Hosts: any of a list of exact names (case-insensitive) or "*.suffix"
// wildcards (matching one or more labels before the suffix, not the bare
// suffix). An empty list matches every host.
class HostMatcher {
 public:
  explicit HostMatcher(const std::vector<std::string>& hosts);
  // `host` without its port (see host_of).
  bool matches(std::string_view host) const;
 private:
  std::vector<std::string> exact_;     // lower-case
  std::vector<std::string> suffixes_;  // lower-case, with the leading '.'
};

// The path condition of a route (at most one of exact/prefix/regex; none
// matches any path). `matched_prefix` is what a prefix rewrite or
// strip_prefix replaces: the prefix, the whole path for exact, "" otherwise;
// the view points into this matcher (stable while it lives), not the request.
class PathMatcher {
 public:
  PathMatcher(const config::Match& m, const config::Location& loc);
  bool matches(std::string_view path) const;
  std::string_view matched_prefix(std::string_view path) const;
 private:
  enum class Kind { any, exact, prefix, regex } kind_ = Kind::any;
  std::string text_;
  std::unique_ptr<Regex> re_;
};

// One header condition: present/absent, exact value, value prefix or RE2
// full match on the value. With several fields of the same name, any one
// matching satisfies the condition (absent: none may be there).
class HeaderMatcher {
 public:
  HeaderMatcher(const config::HeaderMatch& m, const config::Location& loc);
  bool matches(const http::Headers& h) const;
 private:
  bool value_matches(std::string_view v) const;
  std::string name_;
  bool present_ = true;
  std::optional<std::string> exact_;
  std::optional<std::string> prefix_;
  std::unique_ptr<Regex> re_;
};

// All conditions of one route.
class RequestMatcher {
 public:
  RequestMatcher(const config::Match& m, const config::Location& loc);
  // `host` is host_of(req.authority); `path` is req.path().
  bool matches(const http::Request& req, std::string_view host, std::string_view path) const;
  std::string_view matched_prefix(std::string_view path) const { return path_.matched_prefix(path); }
 private:
  HostMatcher host_;
  PathMatcher path_;
  std::vector<std::string> methods_;  // upper-case as configured; empty = any
  std::vector<HeaderMatcher> headers_;
};

}  // namespace strata::router

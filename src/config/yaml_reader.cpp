#include "config/yaml_reader.hpp"

#include <fmt/format.h>

#include "config/loader.hpp"
#include "core/units.hpp"

namespace strata::config::detail {
namespace {

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (auto w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

const char* type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing (null)";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined value";
  }
}

// A plain (unquoted) scalar; quoted scalars carry the non-specific tag "!".
bool is_plain(const YAML::Node& n) { return n.IsScalar() && n.Tag() != "!"; }

const std::string& scalar(const Doc& d, const Val& v, std::string_view what,
                          std::string_view expected) {
  if (!v.node.IsScalar())
    d.fail(v.loc, fmt::format("{}: expected {}, got {}", what, expected, type_name(v.node)));
  return v.node.Scalar();
}

}  // namespace

Location Doc::at(const YAML::Mark& m) const {
  Location loc;
  loc.file = file;
  if (m.line >= 0 && m.column >= 0) {
    loc.line = m.line + 1;
    loc.column = m.column + 1;
  }
  return loc;
}

void Doc::fail(const Location& loc, const std::string& msg) const { throw ConfigError(loc, msg); }

void Doc::count_value(const Location& loc) const {
  if (++values_read > kMaxValues)
    fail(loc, fmt::format("the configuration is too large: more than {} values (counting what "
                          "YAML aliases repeat)",
                          kMaxValues));
}

std::string Doc::resolve_path(const std::string& p) const {
  if (p.empty() || p.front() == '/' || base_dir.empty()) return p;
  if (base_dir.back() == '/') return base_dir + p;
  return base_dir + "/" + p;
}

Val root_val(const Doc& doc, const YAML::Node& n) {
  Location loc = doc.at(n.Mark());
  if (loc.line == 0) loc.line = loc.column = 1;
  return Val{n, loc};
}

MapReader::MapReader(const Doc& doc, const Val& v, std::string_view what,
                     std::initializer_list<std::string_view> allowed)
    : doc_(doc), loc_(v.loc), what_(what) {
  read(v, what);
  for (const auto& e : entries_) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == e.key;
    if (!ok)
      doc_.fail(e.key_loc, fmt::format("unknown key '{}' in {} (expected one of: {})", e.key,
                                       what, join(allowed)));
  }
}

MapReader::MapReader(const Doc& doc, const Val& v, std::string_view what,
                     std::initializer_list<std::string_view> allowed,
                     std::initializer_list<std::string_view> optional)
    : doc_(doc), loc_(v.loc), what_(what) {
  read(v, what);
  std::vector<std::string_view> all(allowed);
  for (auto o : optional)
    if (index_.count(std::string(o))) all.push_back(o);
  for (const auto& e : entries_) {
    bool ok = false;
    for (auto a : all) ok = ok || a == e.key;
    if (!ok) {
      std::string list;
      for (auto a : all) list += (list.empty() ? "" : ", ") + std::string(a);
      doc_.fail(e.key_loc,
                fmt::format("unknown key '{}' in {} (expected one of: {})", e.key, what, list));
    }
  }
}

MapReader::MapReader(const Doc& doc, const Val& v, std::string_view what)
    : doc_(doc), loc_(v.loc), what_(what) {
  read(v, what);
}

void MapReader::read(const Val& v, std::string_view what) {
  if (!v.node.IsMap())
    doc_.fail(v.loc, fmt::format("{}: expected a mapping, got {}", what, type_name(v.node)));
  for (auto it = v.node.begin(); it != v.node.end(); ++it) {
    // Copies: `it->first` lives in a temporary proxy that dies at the end of the expression.
    const YAML::Node k = it->first;
    const YAML::Node value = it->second;
    Location kloc = doc_.at(k.Mark());
    if (kloc.line == 0) kloc = loc_;
    if (!k.IsScalar()) doc_.fail(kloc, fmt::format("{}: keys must be plain words", what));
    if (!index_.emplace(k.Scalar(), entries_.size()).second)
      doc_.fail(kloc, fmt::format("duplicate key '{}' in {}", k.Scalar(), what));
    Location vloc = value.IsNull() ? kloc : doc_.at(value.Mark());
    if (vloc.line == 0) vloc = kloc;
    doc_.count_value(kloc);
    entries_.push_back(Entry{k.Scalar(), kloc, Val{value, vloc}});
  }
}

std::optional<Val> MapReader::get(std::string_view key) const {
  auto it = index_.find(std::string(key));
  if (it == index_.end()) return std::nullopt;
  return entries_[it->second].value;
}

Val MapReader::require(std::string_view key) const {
  if (auto v = get(key)) return *v;
  doc_.fail(loc_, fmt::format("missing required key '{}' in {}", key, what_));
}

std::string as_string(const Doc& d, const Val& v, std::string_view what) {
  return scalar(d, v, what, "a string");
}

bool as_bool(const Doc& d, const Val& v, std::string_view what) {
  const auto& s = scalar(d, v, what, "true or false");
  if (is_plain(v.node)) {
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  d.fail(v.loc, fmt::format("{}: expected true or false, got '{}'", what, s));
}

std::uint64_t as_uint(const Doc& d, const Val& v, std::string_view what, std::uint64_t min,
                      std::uint64_t max) {
  const auto& s = scalar(d, v, what, "a whole number");
  bool ok = is_plain(v.node) && !s.empty() && s.size() <= 19;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      ok = false;
      break;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok) d.fail(v.loc, fmt::format("{}: expected a whole number, got '{}'", what, s));
  if (n < min || n > max)
    d.fail(v.loc, fmt::format("{}: {} is out of range [{}, {}]", what, n, min, max));
  return n;
}

Duration as_duration(const Doc& d, const Val& v, std::string_view what, Duration min) {
  const auto& s = scalar(d, v, what, "a duration such as '10s'");
  std::string err;
  auto r = core::parse_duration(s, &err);
  if (!r) d.fail(v.loc, fmt::format("{}: {}", what, err));
  if (*r < min)
    d.fail(v.loc, fmt::format("{}: must be at least {}", what, core::format_duration(min)));
  return *r;
}

std::uint64_t as_size(const Doc& d, const Val& v, std::string_view what, std::uint64_t min,
                      std::uint64_t max) {
  const auto& s = scalar(d, v, what, "a size such as '16KiB'");
  std::string err;
  auto r = core::parse_size(s, &err);
  if (!r) d.fail(v.loc, fmt::format("{}: {}", what, err));
  if (*r < min || *r > max)
    d.fail(v.loc, fmt::format("{}: {} is out of range [{}, {}]", what, *r, min, max));
  return *r;
}

std::vector<Val> as_seq(const Doc& d, const Val& v, std::string_view what) {
  if (!v.node.IsSequence())
    d.fail(v.loc, fmt::format("{}: expected a list, got {}", what, type_name(v.node)));
  std::vector<Val> out;
  for (const auto& e : v.node) {
    Location loc = d.at(e.Mark());
    if (loc.line == 0) loc = v.loc;
    d.count_value(loc);
    out.push_back(Val{e, loc});
  }
  return out;
}

std::vector<std::string> as_string_list(const Doc& d, const Val& v, std::string_view what) {
  std::vector<std::string> out;
  for (const auto& e : as_seq(d, v, what)) out.push_back(as_string(d, e, what));
  return out;
}

void opt_string(const MapReader& m, std::string_view key, std::string& out) {
  if (auto v = m.get(key)) out = as_string(m.doc(), *v, key);
}
void opt_string(const MapReader& m, std::string_view key, std::optional<std::string>& out) {
  if (auto v = m.get(key)) out = as_string(m.doc(), *v, key);
}
void opt_bool(const MapReader& m, std::string_view key, bool& out) {
  if (auto v = m.get(key)) out = as_bool(m.doc(), *v, key);
}
void opt_duration(const MapReader& m, std::string_view key, Duration& out, Duration min) {
  if (auto v = m.get(key)) out = as_duration(m.doc(), *v, key, min);
}
void opt_duration(const MapReader& m, std::string_view key, std::optional<Duration>& out,
                  Duration min) {
  if (auto v = m.get(key)) out = as_duration(m.doc(), *v, key, min);
}

std::string as_enum(const Doc& d, const Val& v, std::string_view what,
                    std::initializer_list<std::string_view> choices) {
  auto s = as_string(d, v, what);
  for (auto c : choices)
    if (c == s) return s;
  d.fail(v.loc, fmt::format("{}: unknown value '{}' (expected one of: {})", what, s, join(choices)));
}

}  // namespace strata::config::detail

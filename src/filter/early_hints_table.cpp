#include "filter/early_hints_table.hpp"

#include <map>

#include "obs/metrics.hpp"

namespace strata::filter {

void LinkTable::put(std::string_view url, std::vector<std::string> links) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(url); it != index_.end()) {
    if (links.empty()) {
      auto pos = it->second;
      index_.erase(it);
      lru_.erase(pos);
      report_locked();
      return;
    }
    it->second->links = std::move(links);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  if (links.empty()) return;
  lru_.push_front(Entry{std::string(url), std::move(links)});
  index_.emplace(lru_.front().url, lru_.begin());
  evict_locked();
}

std::vector<std::string> LinkTable::get(std::string_view url) {
  std::lock_guard lock(mu_);
  auto it = index_.find(url);
  if (it == index_.end()) return {};
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->links;
}

void LinkTable::set_max(std::size_t max_urls) {
  std::lock_guard lock(mu_);
  max_ = max_urls ? max_urls : 1;
  evict_locked();
}

std::size_t LinkTable::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

void LinkTable::evict_locked() {
  while (lru_.size() > max_) {
    index_.erase(lru_.back().url);
    lru_.pop_back();
    if (evicted_) evicted_->inc();
  }
  report_locked();
}

void LinkTable::report_locked() {
  if (urls_) urls_->set(static_cast<std::int64_t>(lru_.size()));
}

LinkTable::~LinkTable() {
  if (urls_) urls_->set(0);  // a removed route's table reports nothing held
}

std::shared_ptr<LinkTable> link_table(const std::string& key, std::size_t max_urls) {
  // Weak references: a table lives as long as a route snapshot uses it, so
  // a reload keeps it (the old snapshot still holds it while the new one is
  // built) and a route removed by a reload frees it with the old snapshot.
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<LinkTable>, std::less<>> tables;
  std::lock_guard lock(mu);
  std::erase_if(tables, [](const auto& kv) { return kv.second.expired(); });
  if (auto t = tables[key].lock()) {
    t->set_max(max_urls);
    return t;
  }
  auto t = std::make_shared<LinkTable>(
      max_urls,
      &obs::gauge("strata_early_hints_remembered_urls",
                  "URLs whose preload links an Early Hints remember table holds", {{"table", key}}),
      &obs::counter("strata_early_hints_evicted_total",
                    "URLs dropped from an Early Hints remember table by its bound", {{"table", key}}));
  tables[key] = t;
  return t;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// True when the `rel` parameter of one link-value names a relation we hint.
bool hinted_rel(std::string_view link) {
  const auto close = link.find('>');
  if (link.empty() || link.front() != '<' || close == std::string_view::npos) return false;
  std::string_view params = link.substr(close + 1);
  while (!params.empty()) {
    const auto semi = params.find(';');
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
    auto end = params.find(';');
    std::string_view p = trim(params.substr(0, end));
    const auto eq = p.find('=');
    if (eq != std::string_view::npos && iequals(trim(p.substr(0, eq)), "rel")) {
      std::string_view v = trim(p.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      while (!v.empty()) {  // space-separated relation types
        const auto sp = v.find(' ');
        const auto rel = v.substr(0, sp);
        if (iequals(rel, "preload") || iequals(rel, "modulepreload") || iequals(rel, "preconnect"))
          return true;
        if (sp == std::string_view::npos) break;
        v.remove_prefix(sp + 1);
      }
      return false;  // the first rel parameter decides (RFC 8288 3.3)
    }
    if (end == std::string_view::npos) break;
  }
  return false;
}

}  // namespace

void preload_links(std::string_view field, std::vector<std::string>& out) {
  std::size_t start = 0;
  bool in_uri = false, in_quote = false;
  for (std::size_t i = 0; i <= field.size(); ++i) {
    const char c = i < field.size() ? field[i] : ',';
    if (in_quote) {
      if (c == '\\') ++i;
      else if (c == '"') in_quote = false;
      continue;
    }
    if (in_uri) {
      if (c == '>') in_uri = false;
      continue;
    }
    if (c == '<') in_uri = true;
    else if (c == '"') in_quote = true;
    else if (c == ',') {
      const auto link = trim(field.substr(start, i - start));
      start = i + 1;
      if (out.size() >= kMaxRememberedLinks) return;
      if (!link.empty() && link.size() <= kMaxRememberedLinkBytes && hinted_rel(link))
        out.emplace_back(link);
    }
  }
}

}  // namespace strata::filter

#include "security/rules.hpp"

#include <array>
#include <stdexcept>

#include "security/ip.hpp"
#include "security/request_key.hpp"
#include "security/rule_match.hpp"

namespace strata::security {

namespace {

constexpr std::array<std::string_view, 7> kCounters = {
    "requests", "new_connections", "early_data_requests", "replayed_early_data",
    "status_4xx", "status_5xx", "bytes"};

}  // namespace

bool parse_counter(std::string_view s, RuleCounter& out) {
  for (std::size_t i = 0; i < kCounters.size(); ++i)
    if (kCounters[i] == s) {
      out = RuleCounter(i);
      return true;
    }
  return false;
}

bool CompiledRule::matches(const http::Request& req) const {
  return !match || match->matches(req);
}

std::string CompiledRule::key(std::string_view client_ip, const http::Request* req) const {
  const auto& r = rule();
  std::string out;
  for (const auto& p : r.key) {
    if (!out.empty()) out += '|';
    if (p.kind == "client_prefix" || p.kind == "client_ip") {
      const auto ip = parse_ip(client_ip);
      if (!ip) out += client_ip;
      else if (p.kind == "client_ip") out += to_string(*ip);
      else out += prefix_key(*ip, r.ipv4_prefix, r.ipv6_prefix);
    } else if (req && p.kind == "header") {
      if (auto v = req->headers.get(p.name)) out += *v;
    } else if (req && p.kind == "cookie") {
      out += cookie_value(*req, p.name);
    }
  }
  return out;
}

std::uint64_t request_hash(const http::Request& req) {
  std::string s;
  const auto path = req.path();
  s.reserve(req.method.size() + req.authority.size() + path.size() + 2);
  s.append(req.method).push_back('\n');
  s.append(req.authority).push_back('\n');
  s.append(path);
  return std::hash<std::string>{}(s);
}

RuleSet::RuleSet(const std::vector<config::Rule>& rules, const core::Clock& clock,
                 const RuleSet* previous)
    : config_(rules), clock_(clock) {
  for (const auto& r : rules) {
    CompiledRule c;
    if (!parse_counter(r.counter, c.counter))
      throw std::invalid_argument("rule '" + r.name + "': unknown counter '" + r.counter + "'");
    if (const CompiledRule* old = previous ? previous->find(r.name) : nullptr;
        old && old->rule() == r)
      c.table = old->table;
    else
      c.table = std::make_shared<RuleTable>(r, clock);
    if (!RuleMatcher::empty(r.match)) c.match = std::make_shared<const RuleMatcher>(r.match);
    rules_.push_back(std::move(c));
  }
}

const CompiledRule* RuleSet::find(std::string_view name) const {
  for (const auto& r : rules_)
    if (r.rule().name == name) return &r;
  return nullptr;
}

void RuleSet::maybe_sweep() const {
  const auto now = clock_.now().time_since_epoch().count();
  auto next = next_sweep_ns_.load(std::memory_order_relaxed);
  if (now < next || !next_sweep_ns_.compare_exchange_strong(next, now + 1'000'000'000)) return;
  for (const auto& r : rules_) r.table->sweep();
}

bool RuleSet::on_connection(std::string_view ip) const {
  bool close = false;
  for (const auto& r : rules_) {
    bool address_only = true;
    for (const auto& p : r.rule().key)
      address_only = address_only && (p.kind == "client_prefix" || p.kind == "client_ip");
    if (!address_only) continue;
    const bool closes = r.rule().action == "block" && r.rule().block_close && !r.match;
    if (r.counter != RuleCounter::new_connections && !closes) continue;
    const auto k = r.key(ip, nullptr);
    if (r.counter == RuleCounter::new_connections) r.table->count(k);
    if (closes && r.table->check(k).kind == Verdict::close) close = true;
  }
  return close;
}

RuleRegistry& RuleRegistry::global() {
  static RuleRegistry r;
  return r;
}

std::shared_ptr<const RuleSet> RuleRegistry::configure(const std::vector<config::Rule>& rules) {
  std::lock_guard lk(mu_);
  if (current_ && current_->config() == rules) return current_;
  auto next = std::make_shared<const RuleSet>(rules, clock_, current_.get());
  if (current_)  // changed or removed rules: their penalties end here
    for (const auto& old : current_->rules())
      if (const CompiledRule* now = next->find(old.rule().name); !now || now->table != old.table)
        old.table->lift(std::nullopt, now ? "rule_changed" : "rule_removed");
  current_ = std::move(next);
  return current_;
}

std::shared_ptr<const RuleSet> RuleRegistry::current() const {
  std::lock_guard lk(mu_);
  return current_;
}

}  // namespace strata::security

#include "security/rule_table.hpp"

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "obs/metrics.hpp"
#include "security/key_display.hpp"
#include "security/sliding_window.hpp"

namespace strata::security {

namespace {

using time_point = core::Clock::time_point;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

RuleAction parse_action(const std::string& a) {
  if (a == "rate_limit") return RuleAction::rate_limit;
  if (a == "tarpit") return RuleAction::tarpit;
  return RuleAction::block;
}

std::int64_t ns(time_point t) { return t.time_since_epoch().count(); }

milliseconds ceil_ms(nanoseconds d) {
  return std::max(milliseconds(1), std::chrono::ceil<milliseconds>(d));
}

}  // namespace

std::string_view action_name(RuleAction a) {
  switch (a) {
    case RuleAction::rate_limit: return "rate_limit";
    case RuleAction::tarpit: return "tarpit";
    case RuleAction::block: break;
  }
  return "block";
}

struct RuleTable::Metrics {
  obs::Counter& hits;
  obs::Counter& penalties;
  obs::Gauge& active;
  obs::Gauge& keys;
  obs::Counter& evicted;
};

struct RuleTable::Shard {
  struct Entry {
    SlidingWindow window;
    bool penalized = false;
    time_point since{}, until{};
    std::chrono::system_clock::time_point since_wall{};
    std::int64_t tat_ns = 0;  // rate_limit penalty: GCRA theoretical arrival time
    std::list<const std::string*>::iterator lru;
  };
  std::mutex mu;
  std::unordered_map<std::string, Entry> map;
  std::list<const std::string*> lru;             // front: most recently used
  std::unordered_set<const std::string*> active; // keys under a penalty
  // replayed_early_data: request hashes of this window and the previous one.
  std::unordered_set<std::uint64_t> seen_cur, seen_prev;
  std::int64_t seen_idx = 0;
};

RuleTable::RuleTable(const config::Rule& rule, const core::Clock& clock)
    : rule_(rule), action_(parse_action(rule.action)), secret_(secret_key(rule.key)), clock_(clock) {
  const std::size_t n = rule.max_keys >= 1024 ? 16 : 1;
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
  per_shard_ = std::max<std::size_t>(1, rule.max_keys / n);
  const obs::Labels l{{"rule", rule.name}};
  m_ = std::make_unique<Metrics>(Metrics{
      obs::counter("strata_rule_hits_total", "Events counted by security rules", l),
      obs::counter("strata_rule_penalties_total", "Penalties started by security rules",
                   {{"rule", rule.name}, {"action", std::string(action_name(action_))}}),
      obs::gauge("strata_rule_active_penalties", "Keys under a security rule's penalty now", l),
      obs::gauge("strata_rule_keys", "Keys tracked by a security rule", l),
      obs::counter("strata_rule_keys_evicted_total",
                   "Keys a security rule forgot to stay within max_keys (least recently used)", l)});
}

RuleTable::~RuleTable() {
  for (auto& s : shards_) {
    m_->keys.sub(std::int64_t(s->map.size()));
    m_->active.sub(std::int64_t(s->active.size()));
  }
}

RuleTable::Shard& RuleTable::shard(std::string_view key) {
  if (shards_.size() == 1) return *shards_[0];
  return *shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

// Ends the penalty of *kp; the shard's lock is held.
void RuleTable::end_locked(Shard& s, const std::string* kp, std::string_view reason) {
  s.map.at(*kp).penalized = false;
  s.active.erase(kp);
  m_->active.sub();
  spdlog::info("rule {} penalty end: key={} reason={}{}", rule_.name, shown_key(*kp, secret_), reason,
               rule_.dry_run ? " dry_run=true" : "");
}

bool RuleTable::count(std::string_view key, std::uint64_t n) {
  auto& s = shard(key);
  const auto now = clock_.now();
  std::lock_guard lk(s.mu);
  auto [it, fresh] = s.map.try_emplace(std::string(key));
  auto& e = it->second;
  const std::string* kp = &it->first;
  if (fresh) {
    s.lru.push_front(kp);
    e.lru = s.lru.begin();
    m_->keys.add();
    if (s.map.size() > per_shard_) {
      const std::string* victim = s.lru.back();
      auto v = s.map.find(*victim);
      if (v->second.penalized) end_locked(s, victim, "evicted");
      s.lru.pop_back();
      s.map.erase(v);
      m_->keys.sub();
      m_->evicted.inc();
    }
  } else {
    s.lru.splice(s.lru.begin(), s.lru, e.lru);
  }
  if (e.penalized && now >= e.until) end_locked(s, kp, "expired");
  if (n == 0 || e.penalized) return false;  // no counting while penalized
  m_->hits.inc();
  const auto window = std::max<std::int64_t>(1, nanoseconds(rule_.window).count());
  if (e.window.add(ns(now), window, n) <= double(rule_.threshold)) return false;
  e.window = SlidingWindow{};  // after the penalty the key starts from zero
  e.penalized = true;
  e.since = now;
  e.until = now + rule_.duration;
  e.since_wall = std::chrono::system_clock::now();
  e.tat_ns = ns(now);
  s.active.insert(kp);
  m_->active.add();
  m_->penalties.inc();
  spdlog::info("rule {} penalty start: key={} action={} counter={} threshold={} window_ms={} "
               "duration_ms={}{}",
               rule_.name, shown_key(key, secret_), action_name(action_), rule_.counter, rule_.threshold,
               rule_.window.count(), rule_.duration.count(), rule_.dry_run ? " dry_run=true" : "");
  return true;
}

bool RuleTable::repeat(std::string_view key, std::uint64_t hash) {
  auto& s = shard(key);
  const auto now = clock_.now();
  const auto window = std::max<std::int64_t>(1, nanoseconds(rule_.window).count());
  const std::uint64_t h = hash ^ (std::hash<std::string_view>{}(key) * 0x9e3779b97f4a7c15ull);
  std::lock_guard lk(s.mu);
  const std::int64_t idx = ns(now) / window;
  if (idx != s.seen_idx) {
    if (idx == s.seen_idx + 1) s.seen_prev = std::move(s.seen_cur);
    else s.seen_prev.clear();
    s.seen_cur.clear();
    s.seen_idx = idx;
  }
  const bool seen = s.seen_cur.count(h) || s.seen_prev.count(h);
  if (s.seen_cur.size() >= per_shard_ * 4) {  // bounded: forget the older generation early
    s.seen_prev = std::move(s.seen_cur);
    s.seen_cur.clear();
  }
  s.seen_cur.insert(h);
  return seen;
}

Verdict RuleTable::check(std::string_view key) {
  auto& s = shard(key);
  const auto now = clock_.now();
  std::lock_guard lk(s.mu);
  auto it = s.map.find(std::string(key));
  if (it == s.map.end()) return {};
  auto& e = it->second;
  if (!e.penalized) return {};
  if (now >= e.until) {
    end_locked(s, &it->first, "expired");
    return {};
  }
  s.lru.splice(s.lru.begin(), s.lru, e.lru);
  if (rule_.dry_run) return {};
  switch (action_) {
    case RuleAction::block:
      return {rule_.block_close ? Verdict::close : Verdict::block, milliseconds(0)};
    case RuleAction::tarpit:
      return {Verdict::tarpit, rule_.tarpit_delay};
    case RuleAction::rate_limit: {
      const double rate = rule_.penalty_rate > 0 ? rule_.penalty_rate : 1;
      const auto t = std::int64_t(double(nanoseconds(rule_.penalty_per).count()) / rate);
      const auto tau = t * std::int64_t(std::max<std::uint32_t>(1, rule_.penalty_burst));
      const auto new_tat = std::max(e.tat_ns, ns(now)) + t;
      if (new_tat - ns(now) > tau)
        return {Verdict::rate_limited, ceil_ms(nanoseconds(new_tat - ns(now) - tau))};
      e.tat_ns = new_tat;
      return {};
    }
  }
  return {};
}

bool RuleTable::penalized(std::string_view key) {
  auto& s = shard(key);
  const auto now = clock_.now();
  std::lock_guard lk(s.mu);
  auto it = s.map.find(std::string(key));
  if (it == s.map.end() || !it->second.penalized) return false;
  if (now >= it->second.until) {
    end_locked(s, &it->first, "expired");
    return false;
  }
  return true;
}

std::vector<PenaltyInfo> RuleTable::penalties() {
  sweep();
  std::vector<PenaltyInfo> out;
  const auto now = clock_.now();
  for (auto& sp : shards_) {
    std::lock_guard lk(sp->mu);
    for (const std::string* kp : sp->active) {
      const auto& e = sp->map.at(*kp);
      PenaltyInfo p;
      p.rule = rule_.name;
      p.key = shown_key(*kp, secret_);
      p.action = std::string(action_name(action_));
      if (action_ == RuleAction::block && rule_.block_close) p.action = "block_close";
      p.since = e.since_wall;
      p.until = e.since_wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                   e.until - e.since);
      p.remaining = std::chrono::duration_cast<milliseconds>(e.until - now);
      p.dry_run = rule_.dry_run;
      out.push_back(std::move(p));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

std::size_t RuleTable::lift(std::optional<std::string_view> key, std::string_view reason) {
  std::size_t n = 0;
  for (auto& sp : shards_) {
    // A secret key may be named by its shown hash: then every shard looks.
    const bool by_hash = key && secret_ && key->starts_with("sha256:");
    if (key && !by_hash && sp.get() != &shard(*key)) continue;
    std::lock_guard lk(sp->mu);
    std::vector<const std::string*> ending;
    for (const std::string* kp : sp->active)
      if (!key || names_key(*kp, *key, secret_)) ending.push_back(kp);
    for (const std::string* kp : ending) {
      end_locked(*sp, kp, reason);
      ++n;
    }
  }
  return n;
}

void RuleTable::sweep() {
  const auto now = clock_.now();
  for (auto& sp : shards_) {
    std::lock_guard lk(sp->mu);
    std::vector<const std::string*> ending;
    for (const std::string* kp : sp->active)
      if (now >= sp->map.at(*kp).until) ending.push_back(kp);
    for (const std::string* kp : ending) end_locked(*sp, kp, "expired");
  }
}

std::size_t RuleTable::keys() const {
  std::size_t n = 0;
  for (const auto& sp : shards_) {
    std::lock_guard lk(sp->mu);
    n += sp->map.size();
  }
  return n;
}

}  // namespace strata::security

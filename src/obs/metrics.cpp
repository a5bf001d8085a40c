#include "obs/metrics.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <variant>

#include <fmt/format.h>

namespace strata::obs {

namespace detail {
std::uint32_t assign_cell() noexcept {
  static std::atomic<std::uint32_t> next{0};
  const std::uint32_t c = next.fetch_add(1, std::memory_order_relaxed);
  return c < kCells - 1 ? c : kCells - 1;
}
}  // namespace detail

void Histogram::observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  const auto c = detail::cell();
  auto& cell = cells_[c];
  detail::add(cell.buckets[i], 1, c);
  detail::add(cell.sum_ns, std::uint64_t(std::llround(seconds * 1e9)), c);
}

std::uint64_t Histogram::bucket(std::size_t i) const {
  std::uint64_t n = 0;
  for (const auto& c : cells_) n += c.buckets[i].load(std::memory_order_relaxed);
  return n;
}

std::uint64_t Histogram::count() const {
  std::uint64_t n = 0;
  for (const auto& c : cells_)
    for (const auto& b : c.buckets) n += b.load(std::memory_order_relaxed);
  return n;
}

double Histogram::sum() const {
  std::uint64_t ns = 0;
  for (const auto& c : cells_) ns += c.sum_ns.load(std::memory_order_relaxed);
  return double(ns) / 1e9;
}

namespace {
enum class Kind { counter, gauge, histogram };

std::string escape(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\') o += "\\\\";
    else if (c == '"') o += "\\\"";
    else if (c == '\n') o += "\\n";
    else o += c;
  }
  return o;
}

std::string label_text(const Labels& l, std::string_view extra = {}) {
  if (l.empty() && extra.empty()) return {};
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : l) {
    if (!first) s += ',';
    first = false;
    s += k;
    s += "=\"";
    s += escape(v);
    s += '"';
  }
  if (!extra.empty()) {
    if (!first) s += ',';
    s += extra;
  }
  s += '}';
  return s;
}

std::string fmt_bound(double b) { return fmt::format("{}", b); }
}  // namespace

struct Registry::Impl {
  struct Family {
    Kind kind;
    std::string help;
    // label text -> metric; unique_ptr keeps addresses stable
    std::map<std::string, std::pair<Labels, std::unique_ptr<Counter>>> counters;
    std::map<std::string, std::pair<Labels, std::unique_ptr<Gauge>>> gauges;
    std::map<std::string, std::pair<Labels, std::unique_ptr<Histogram>>> histograms;
  };
  mutable std::mutex mu;
  std::map<std::string, Family, std::less<>> families;

  Family& family(std::string_view name, std::string_view help, Kind k) {
    auto it = families.find(name);
    if (it == families.end()) {
      it = families.emplace(std::string(name), Family{k, std::string(help), {}, {}, {}}).first;
    }
    return it->second;
  }
};

Registry::Registry() : impl_(new Impl) {}
Registry::~Registry() { delete impl_; }

Registry& Registry::global() {
  static Registry* r = new Registry();  // never destroyed: metrics outlive threads
  return *r;
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lk(impl_->mu);
  auto& f = impl_->family(name, help, Kind::counter);
  auto& slot = f.counters[label_text(labels)];
  if (!slot.second) slot = {labels, std::make_unique<Counter>()};
  return *slot.second;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lk(impl_->mu);
  auto& f = impl_->family(name, help, Kind::gauge);
  auto& slot = f.gauges[label_text(labels)];
  if (!slot.second) slot = {labels, std::make_unique<Gauge>()};
  return *slot.second;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help,
                               const Labels& labels) {
  std::lock_guard lk(impl_->mu);
  auto& f = impl_->family(name, help, Kind::histogram);
  auto& slot = f.histograms[label_text(labels)];
  if (!slot.second) slot = {labels, std::make_unique<Histogram>()};
  return *slot.second;
}

std::string Registry::render() const {
  std::lock_guard lk(impl_->mu);
  std::string out;
  out.reserve(16384);
  for (const auto& [name, f] : impl_->families) {
    const char* type = f.kind == Kind::counter ? "counter" : f.kind == Kind::gauge ? "gauge" : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, type);
    for (const auto& [lt, m] : f.counters) out += fmt::format("{}{} {}\n", name, lt, m.second->value());
    for (const auto& [lt, m] : f.gauges) out += fmt::format("{}{} {}\n", name, lt, m.second->value());
    for (const auto& [lt, m] : f.histograms) {
      const auto& h = *m.second;
      std::uint64_t cum = 0;
      for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
        cum += h.bucket(i);
        out += fmt::format("{}_bucket{} {}\n", name,
                           label_text(m.first, "le=\"" + fmt_bound(Histogram::kBounds[i]) + "\""), cum);
      }
      out += fmt::format("{}_bucket{} {}\n", name, label_text(m.first, "le=\"+Inf\""), h.count());
      out += fmt::format("{}_sum{} {}\n", name, lt, h.sum());
      out += fmt::format("{}_count{} {}\n", name, lt, h.count());
    }
  }
  return out;
}

}  // namespace strata::obs

#include "tools/lab/breaker.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/lab/netns.hpp"
#include "tools/lab/process.hpp"

namespace strata::tools::lab {

LoadSample parse_load(const std::string& text) {
  LoadSample s;
  try {
    auto j = nlohmann::json::parse(text);
    const double ok = j["requests"].value("succeeded", 0.0), failed = j["requests"].value("failed", 0.0);
    s.requests = ok + failed;
    s.errors = failed + (j.contains("status_class") ? j["status_class"].value("5xx", 0.0) : 0.0);
    if (j.contains("latency_ms") && j["latency_ms"].value("count", 0.0) > 0) {
      s.p50_ms = j["latency_ms"].value("p50", -1.0);
      s.p99_ms = j["latency_ms"].value("p99", -1.0);
    }
  } catch (const std::exception&) {
  }
  return s;
}

namespace {
double error_rate(const LoadSample& s) { return s.requests > 0 ? s.errors / s.requests : 1; }
}  // namespace

void judge(BreakerResult& r) {
  // Fails fast: in the failing phase after its first window, the median
  // latency with the breaker is under a quarter of the one without.
  std::vector<double> with, without;
  bool first = true;
  for (const auto& w : r.windows) {
    if (w.phase != "failing") continue;
    if (first) {
      first = false;
      continue;
    }
    if (w.with.p50_ms >= 0) with.push_back(w.with.p50_ms);
    if (w.without.p50_ms >= 0) without.push_back(w.without.p50_ms);
  }
  auto mean = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? NAN : s / double(v.size());
  };
  const double mw = mean(with), mo = mean(without);
  r.fails_fast = !with.empty() && !without.empty() && mw < mo / 4;
  const BreakerWindow* last = r.windows.empty() ? nullptr : &r.windows.back();
  r.recovers = r.half_open_transitions >= 1 && r.closed_transitions >= 1 && last && last->phase == "healed" &&
               error_rate(last->with) < 0.05 && last->state == "closed";
  r.confirmed = r.fails_fast && r.recovers;
  if (!with.empty() && !without.empty()) {
    const auto [wlo, whi] = std::minmax_element(with.begin(), with.end());
    const auto [olo, ohi] = std::minmax_element(without.begin(), without.end());
    const bool apart = *whi < *olo / 4;
    r.confidence = fmt::format("{} ({} failing windows measured; median latency with the breaker {:.1f}-{:.1f} ms, "
                               "without {:.1f}-{:.1f} ms{})",
                               apart && with.size() >= 3 ? "high" : apart ? "medium" : "low", with.size(), *wlo, *whi,
                               *olo, *ohi, apart ? ": the ranges are 4x apart" : ": the ranges come close");
  } else {
    r.confidence = "low (no failing window measured on both gateways)";
  }
  r.verdict = fmt::format(
      "claim \"a circuit breaker fails fast while the upstream is down and recovers through half-open\": {} "
      "(failing: median latency {:.1f} ms with the breaker vs {:.1f} ms without; transitions open {:.0f}, "
      "half-open {:.0f}, closed {:.0f}; last window with the breaker: {:.1f}% errors, state {})",
      r.confirmed ? "CONFIRMED" : "NOT CONFIRMED", mw, mo, r.open_transitions, r.half_open_transitions,
      r.closed_transitions, last ? error_rate(last->with) * 100 : 100.0, last ? last->state : "?");
}

std::string breaker_table(const BreakerResult& r) {
  std::string out = "breaker: the origin fails (slow 500s) and heals; two gateways, with and without a breaker\n";
  out += fmt::format("{:>3} {:<8} | {:>6} {:>7} {:>8} {:>10} | {:>6} {:>7} {:>8}\n", "win", "phase", "req",
                     "5xx %", "p50 ms", "breaker", "req", "5xx %", "p50 ms");
  int i = 0;
  for (const auto& w : r.windows)
    out += fmt::format("{:>3} {:<8} | {:>6.0f} {:>7.1f} {:>8.1f} {:>10} | {:>6.0f} {:>7.1f} {:>8.1f}\n", i++, w.phase,
                       w.with.requests, error_rate(w.with) * 100, w.with.p50_ms, w.state, w.without.requests,
                       error_rate(w.without) * 100, w.without.p50_ms);
  out += "(left: with the breaker; right: without)\n" + r.verdict + "\nconfidence: " + r.confidence + "\n";
  return out;
}

std::string breaker_json(const BreakerResult& r) {
  nlohmann::json j{{"experiment", "breaker"}, {"confirmed", r.confirmed}, {"fails_fast", r.fails_fast},
                   {"recovers", r.recovers},   {"verdict", r.verdict}, {"confidence", r.confidence},
                   {"transitions", {{"open", r.open_transitions}, {"half_open", r.half_open_transitions},
                                    {"closed", r.closed_transitions}}}};
  j["windows"] = nlohmann::json::array();
  auto sample = [](const LoadSample& s) {
    return nlohmann::json{{"requests", s.requests}, {"errors", s.errors}, {"p50_ms", s.p50_ms}, {"p99_ms", s.p99_ms}};
  };
  for (const auto& w : r.windows)
    j["windows"].push_back({{"phase", w.phase}, {"state", w.state}, {"with", sample(w.with)}, {"without", sample(w.without)}});
  return j.dump(2) + "\n";
}

std::string breaker_svg(const BreakerResult& r) {
  const int w = 640, h = 260, left = 50, top = 30, pw = 560, ph = 180;
  const std::size_t n = std::max<std::size_t>(r.windows.size(), 2);
  double max_ms = 1;
  for (const auto& x : r.windows) max_ms = std::max({max_ms, x.with.p50_ms, x.without.p50_ms});
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"18\" font-size=\"14\">Median latency "
      "per window (max {:.0f} ms): blue with the breaker, grey without; shaded: origin failing</text>\n",
      w, h, max_ms);
  for (std::size_t i = 0; i < r.windows.size(); ++i)
    if (r.windows[i].phase == "failing")
      s += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#fde2e2\"/>\n",
                       left + pw * (double(i) - 0.5) / double(n - 1), top, pw / double(n - 1), ph);
  auto line = [&](auto get, const char* color) {
    std::string pts;
    for (std::size_t i = 0; i < r.windows.size(); ++i) {
      const double v = std::max(0.0, get(r.windows[i]));
      pts += fmt::format("{:.1f},{:.1f} ", left + pw * double(i) / double(n - 1), top + ph - ph * v / max_ms);
    }
    return fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", pts, color);
  };
  s += line([](const BreakerWindow& x) { return x.without.p50_ms; }, "#999");
  s += line([](const BreakerWindow& x) { return x.with.p50_ms; }, "#4a90d9");
  s += fmt::format("<text x=\"10\" y=\"{}\">{}</text>\n</svg>\n", h - 10, r.confirmed ? "confirmed" : "not confirmed");
  return s;
}

namespace {

std::string gateway_yaml(const std::string& dir, const std::string& name, int port, int admin, bool breaker) {
  return fmt::format(R"(workers: 1
state_dir: "{}/state-{}"
listeners:
  - name: web
    address: "{}:{}"
    routes: main
admin:
  address: "127.0.0.1:{}"
clusters:
  backend:
    endpoints: [127.0.0.1:9000]
{}route_tables:
  main:
    - proxy: {{cluster: backend}}
)",
                     dir, name, kServerAddr, port, admin,
                     breaker ? "    circuit_breaker: {failure_ratio: 0.5, window: 2s, min_requests: 10, open_duration: 1s,\n"
                               "                      half_open_probes: 1, close_after: 3}\n"
                             : "");
}

}  // namespace

int run_breaker(const LabOptions& o) {
  char dir_template[] = "/tmp/strata-lab-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  std::ofstream(dir + "/with.yaml") << gateway_yaml(dir, "with", 8080, 9901, true);
  std::ofstream(dir + "/without.yaml") << gateway_yaml(dir, "without", 8081, 9902, false);
  LabNet net({o.rtt_ms / 2, 0, 1});
  const auto& S = net.server_ns();
  const std::vector<std::string> origin_base = {o.self, "origin", "--listen", "127.0.0.1:9000", "--workers", "1"};
  auto origin_args = [&](bool failing) {
    auto a = origin_base;
    if (failing) a.insert(a.end(), {"--latency", "200", "--error-rate", "1"});
    return a;
  };
  Child origin = start_in(net, S, origin_args(false), dir + "/origin.log");
  Child gw_with = start_in(net, S, {o.self, "serve", "-c", dir + "/with.yaml"}, dir + "/with.log");
  Child gw_without = start_in(net, S, {o.self, "serve", "-c", dir + "/without.yaml"}, dir + "/without.log");
  BreakerResult r;
  const unsigned per_phase = std::max(1u, o.repeat) + 1;
  const std::vector<std::pair<std::string, unsigned>> phases = {
      {"healthy", std::min(2u, per_phase)}, {"failing", per_phase}, {"healed", per_phase}};
  auto load = [&](int port, std::string* out) {
    *out = output_in(net, net.client_ns(),
                     {o.self, "load", "--json", "-D", "1", "-c", "4", "--h1", "--timeout", "3",
                      fmt::format("http://{}:{}/bytes/100", kServerAddr, port)});
  };
  nlohmann::json clusters;
  for (const auto& [phase, windows] : phases) {
    if (phase != "healthy") {
      stop(origin);
      origin = start_in(net, S, origin_args(phase == "failing"), dir + "/origin-" + phase + ".log");
    }
    for (unsigned i = 0; i < windows; ++i) {
      std::string a, b;
      std::thread t1([&] { load(8080, &a); });
      std::thread t2([&] { load(8081, &b); });
      t1.join();
      t2.join();
      BreakerWindow w{phase, parse_load(a), parse_load(b), "?"};
      try {
        clusters = nlohmann::json::parse(output_in(net, S, {"curl", "-s", "http://127.0.0.1:9901/clusters"}));
        w.state = clusters["backend"]["breaker"]["state"].get<std::string>();
      } catch (const std::exception&) {
      }
      r.windows.push_back(w);
    }
  }
  try {
    const auto& t = clusters["backend"]["breaker"]["transitions"];
    r.open_transitions = t["open"].get<double>();
    r.half_open_transitions = t["half_open"].get<double>();
    r.closed_transitions = t["closed"].get<double>();
  } catch (const std::exception&) {
  }
  stop(gw_with);
  stop(gw_without);
  stop(origin);
  judge(r);
  const std::string svg = o.svg.empty() ? "breaker.svg" : o.svg;
  std::ofstream(svg) << breaker_svg(r);
  const auto text = o.json ? breaker_json(r) : breaker_table(r) + "chart: " + svg + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::string ignored;
  run_command({"rm", "-rf", dir}, &ignored);
  return 0;
}

}  // namespace strata::tools::lab

#include "tools/lab/handshake.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/lab/netns.hpp"
#include "tools/lab/process.hpp"

namespace strata::tools::lab {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double med_or(const std::vector<double>& v, double none) { return v.empty() ? none : median(v); }

double round_trips(const Variant& v, double rtt_ms) {
  if (v.ttfb_ms.empty()) return NAN;
  return (median(v.ttfb_ms) - (v.base_ms.empty() ? 0 : median(v.base_ms))) / rtt_ms;
}

namespace {
const Variant* find(const HandshakeResult& r, const std::string& name) {
  for (const auto& v : r.variants)
    if (v.name == name) return &v;
  return nullptr;
}
}  // namespace

void judge(HandshakeResult& r) {
  // Handshake round trips = round trips to the first byte minus the request's own.
  auto hs = [&](const char* name) {
    const auto* v = find(r, name);
    return v && !v->ttfb_ms.empty() ? std::lround(round_trips(*v, r.rtt_ms)) - 1 : -1L;
  };
  const long tcp13 = hs("h2 + TLS 1.3"), h3 = hs("h3 1-RTT"), h3z = hs("h3 0-RTT");
  const auto* z = find(r, "h3 0-RTT");
  r.confirmed = tcp13 == 2 && h3 == 1 && h3z == 0 && z && z->zero_rtt_accepted;
  r.verdict = fmt::format(
      "claim \"HTTP/3 needs one handshake round trip where TCP+TLS 1.3 need two, and 0-RTT none\": {} "
      "(measured handshake round trips: TCP+TLS 1.3 {}, HTTP/3 {}, HTTP/3 0-RTT {}{})",
      r.confirmed ? "CONFIRMED" : "NOT CONFIRMED", tcp13, h3, h3z,
      z && !z->zero_rtt_accepted ? "; 0-RTT was not accepted" : "");
  double worst = 0;
  std::size_t reps = SIZE_MAX;
  for (const auto& v : r.variants) {
    if (v.ttfb_ms.empty()) continue;
    const auto [lo, hi] = std::minmax_element(v.ttfb_ms.begin(), v.ttfb_ms.end());
    worst = std::max(worst, (*hi - *lo) / r.rtt_ms);
    reps = std::min(reps, v.ttfb_ms.size());
  }
  if (reps == SIZE_MAX) reps = 0;
  r.confidence = fmt::format("{} (repetitions {}, largest spread {:.2f} RTT)",
                             reps >= 3 && worst < 0.5 ? "high" : reps >= 2 && worst < 0.5 ? "medium" : "low",
                             reps, worst);
}

std::string handshake_table(const HandshakeResult& r) {
  std::string out = fmt::format("handshake: time to first byte on a fresh connection, RTT {:.0f} ms\n", r.rtt_ms);
  out += fmt::format("{:<16} {:>9} {:>9} {:>9} {:>9} {:>12} {:>9}\n", "variant", "median ms", "min ms", "max ms",
                     "no-delay", "round trips", "textbook");
  for (const auto& v : r.variants) {
    if (v.ttfb_ms.empty()) {
      out += fmt::format("{:<16} {:>9}\n", v.name, "failed");
      continue;
    }
    const auto [lo, hi] = std::minmax_element(v.ttfb_ms.begin(), v.ttfb_ms.end());
    out += fmt::format("{:<16} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f} {:>12.2f} {:>9.0f}\n", v.name, median(v.ttfb_ms),
                       *lo, *hi, v.base_ms.empty() ? 0.0 : median(v.base_ms), round_trips(v, r.rtt_ms),
                       v.expected_round_trips);
  }
  if (const auto* v = find(r, "h1 + TLS 1.3"); v && !v->connect_ms.empty())
    out += fmt::format("TCP connect (one round trip): median {:.1f} ms\n", median(v->connect_ms));
  out += "round trips = (median with the RTT - median without added delay) / RTT\n";
  out += r.verdict + "\nconfidence: " + r.confidence + "\n";
  return out;
}

std::string handshake_json(const HandshakeResult& r) {
  nlohmann::json j{{"experiment", "handshake"}, {"rtt_ms", r.rtt_ms}, {"confirmed", r.confirmed},
                   {"verdict", r.verdict},      {"confidence", r.confidence}};
  j["variants"] = nlohmann::json::array();
  for (const auto& v : r.variants)
    j["variants"].push_back({{"name", v.name},
                             {"ttfb_ms", v.ttfb_ms},
                             {"connect_ms", v.connect_ms},
                             {"base_ms", v.base_ms},
                             {"median_ms", v.ttfb_ms.empty() ? nlohmann::json(nullptr) : nlohmann::json(median(v.ttfb_ms))},
                             {"round_trips", v.ttfb_ms.empty() ? nlohmann::json(nullptr)
                                                               : nlohmann::json(round_trips(v, r.rtt_ms))},
                             {"expected_round_trips", v.expected_round_trips},
                             {"zero_rtt_accepted", v.zero_rtt_accepted}});
  return j.dump(2) + "\n";
}

std::string handshake_svg(const HandshakeResult& r) {
  const int w = 640, bar_h = 28, top = 40, left = 130, plot_w = 470;
  const int h = top + int(r.variants.size()) * (bar_h + 12) + 40;
  double max_rt = 1;
  for (const auto& v : r.variants)
    if (!v.ttfb_ms.empty()) max_rt = std::max(max_rt, round_trips(v, r.rtt_ms));
  max_rt = std::ceil(max_rt);
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\">Time to first byte in round trips (RTT {:.0f} ms)</text>\n",
      w, h, r.rtt_ms);
  for (int k = 0; k <= int(max_rt); ++k) {
    const double x = left + plot_w * k / max_rt;
    s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ccc\" stroke-dasharray=\"3,3\"/>"
                     "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                     x, top - 4, h - 30, h - 14, k);
  }
  int y = top;
  for (const auto& v : r.variants) {
    s += fmt::format("<text x=\"10\" y=\"{}\">{}</text>\n", y + bar_h / 2 + 4, v.name);
    if (!v.ttfb_ms.empty()) {
      const double rt = std::max(0.0, round_trips(v, r.rtt_ms));
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"#4a90d9\"/>"
                       "<text x=\"{:.1f}\" y=\"{}\">{:.2f}</text>\n",
                       left, y, plot_w * rt / max_rt, bar_h, left + plot_w * rt / max_rt + 4, y + bar_h / 2 + 4, rt);
      const double ex = left + plot_w * v.expected_round_trips / max_rt;
      s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#d0021b\" stroke-width=\"2\"/>\n",
                       ex, y - 2, y + bar_h + 2);
    }
    y += bar_h + 12;
  }
  s += fmt::format("<text x=\"10\" y=\"{}\" fill=\"#d0021b\">red: textbook round trips</text>\n</svg>\n", h - 2);
  return s;
}

namespace {

// One `strata probe --json` in the client namespace; the attempts' JSON.
nlohmann::json probe(const LabNet& net, const std::string& self, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {self, "probe", "--json", "--timeout", "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = output_in(net, net.client_ns(), argv);
  try {
    return nlohmann::json::parse(out)["attempts"];
  } catch (const std::exception&) {
    return nlohmann::json::array();
  }
}

}  // namespace

int run_handshake(const LabOptions& o) {
  HandshakeResult r;
  r.rtt_ms = o.rtt_ms;
  char dir_template[] = "/tmp/strata-lab-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  const std::string cfg = dir + "/strata.yaml";
  std::ofstream(cfg) << fmt::format(R"(workers: 1
state_dir: "{0}/state"
listeners:
  - name: tls13
    address: "{1}:8443"
    tls: {{self_signed: true}}
    protocols: [h1, h2, h3]
    routes: main
  - name: tls12
    address: "{1}:8444"
    tls: {{self_signed: true, max_version: "1.2"}}
    protocols: [h1]
    routes: main
route_tables:
  main:
    - respond: {{status: 200, body: "ok\n"}}
)",
                                    dir, kServerAddr);
  LabNet net({o.rtt_ms / 2, 0, 1});
  Child server = start_in(net, net.server_ns(), {o.self, "serve", "-c", cfg}, dir + "/strata.log");
  const std::string base = std::string("https://") + kServerAddr;
  struct Spec {
    const char* name;
    double expected;
    std::vector<std::string> args;
    int attempt;  // which attempt of the probe run counts
  };
  const std::vector<Spec> specs = {
      {"h1 + TLS 1.2", 4, {"--h1", base + ":8444/"}, 0},
      {"h1 + TLS 1.3", 3, {"--h1", base + ":8443/"}, 0},
      {"h2 + TLS 1.3", 3, {"--h2", base + ":8443/"}, 0},
      {"h3 1-RTT", 2, {"--h3", base + ":8443/"}, 0},
      {"h3 0-RTT", 1, {"--h3", "-n", "2", base + ":8443/"}, 1},
  };
  for (const auto& spec : specs) r.variants.push_back({spec.name, spec.expected, {}, {}, {}, true});
  // Interleaved: each repetition runs every variant once, so a drift of the
  // machine's speed weighs on all of them.
  for (unsigned rep = 0; rep < o.repeat; ++rep) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      for (const bool delayed : {false, true}) {
        net.relay().set_one_way_ms(delayed ? o.rtt_ms / 2 : 0);
        auto attempts = probe(net, o.self, specs[i].args);
        if (attempts.size() <= std::size_t(specs[i].attempt)) continue;
        const auto& a = attempts[std::size_t(specs[i].attempt)];
        if (a.contains("error") || a.value("status", 0) != 200) continue;
        auto& v = r.variants[i];
        (delayed ? v.ttfb_ms : v.base_ms).push_back(a["ttfb_ms"].get<double>());
        if (delayed && a["phases_ms"]["connect"].is_number()) v.connect_ms.push_back(a["phases_ms"]["connect"].get<double>());
        if (specs[i].attempt == 1 && !(a.contains("quic") && a["quic"]["zero_rtt"]["accepted"].get<bool>()))
          v.zero_rtt_accepted = false;
      }
    }
  }
  stop(server);
  judge(r);
  const std::string svg = o.svg.empty() ? "handshake.svg" : o.svg;
  std::ofstream(svg) << handshake_svg(r);
  const auto text = o.json ? handshake_json(r) : handshake_table(r) + "chart: " + svg + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::string ignored;
  run_command({"rm", "-rf", dir}, &ignored);
  return 0;
}

}  // namespace strata::tools::lab

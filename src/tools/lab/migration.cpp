#include "tools/lab/migration.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/lab/files_site.hpp"
#include "tools/lab/handshake.hpp"  // median()
#include "tools/lab/netns.hpp"
#include "tools/lab/process.hpp"

namespace strata::tools::lab {

namespace {

constexpr const char* kNewClientAddr = "10.77.1.2";
// The h3 client moves kMoveGapMs after the new address came up (counted
// from its handshake, so a little later), well before the old one goes.
constexpr double kMoveGapMs = 200;
constexpr double kOverlapMs = 800;

std::vector<double> pick(const MigrationVariant& v, double MigrationRun::*f) {
  std::vector<double> out;
  for (const auto& r : v.runs)
    if (r.*f >= 0) out.push_back(r.*f);
  return out;
}


}  // namespace

void judge(MigrationResult& r) {
  r.h3_continues = false;
  r.h2_restarts = false;
  for (const auto& v : r.variants) {
    if (v.runs.empty()) continue;
    bool all = true;
    for (const auto& run : v.runs) {
      if (v.proto == "h3") all = all && run.intact && run.connections == 1 && run.migrations >= 1;
      if (v.proto == "h2") all = all && run.connections >= 2;
    }
    if (v.proto == "h3") r.h3_continues = all;
    if (v.proto == "h2") r.h2_restarts = all;
  }
  r.confirmed = r.h3_continues && r.h2_restarts;
  std::string h2 = "-", h3 = "-";
  for (const auto& v : r.variants) {
    const double b = med_or(pick(v, &MigrationRun::baseline_ms)), c = med_or(pick(v, &MigrationRun::changed_ms));
    const auto s = b > 0 && c > 0 ? fmt::format("{:+.0f} ms", c - b) : std::string("-");
    (v.proto == "h2" ? h2 : h3) = s;
  }
  r.verdict = fmt::format(
      "claim \"connection migration keeps a download going across an address change\": {} (HTTP/3: {} on one "
      "connection, the change cost {}; HTTP/2: {}, the change cost {})",
      r.confirmed ? "CONFIRMED" : "NOT CONFIRMED",
      r.h3_continues ? "the download continued" : "the download did NOT continue in every run", h3,
      r.h2_restarts ? "the TCP connection broke and the download was resumed on a new one"
                    : "the connection survived in some run (unexpected)",
      h2);
  std::size_t reps = 0;
  for (const auto& v : r.variants) reps = std::max(reps, v.runs.size());
  r.confidence = fmt::format("{} (repetitions {}; the verdict needs every run to agree)",
                             reps >= 3 ? "high" : reps >= 2 ? "medium" : "low", reps);
}

std::string migration_table(const MigrationResult& r) {
  std::string s = fmt::format(
      "migration: a {:.0f} MiB download at {:.0f} Mbit/s, RTT {:.0f} ms; the client's address changes after {:.0f} ms\n",
      r.size_mib, r.rate_mbit, r.rtt_ms, r.change_after_ms);
  s += fmt::format("{:<6} {:>13} {:>13} {:>9} {:>12} {:>11} {:>7}\n", "proto", "baseline ms", "changed ms",
                   "cost ms", "connections", "migrations", "intact");
  for (const auto& v : r.variants)
    for (const auto& run : v.runs)
      s += fmt::format("{:<6} {:>13.0f} {:>13.0f} {:>9.0f} {:>12} {:>11.0f} {:>7}\n", v.proto, run.baseline_ms,
                       run.changed_ms, run.changed_ms - run.baseline_ms, run.connections, run.migrations,
                       run.intact ? "yes" : "NO");
  s += r.verdict + "\nconfidence: " + r.confidence + "\n";
  return s;
}

std::string migration_json(const MigrationResult& r) {
  nlohmann::json j;
  j["rtt_ms"] = r.rtt_ms;
  j["change_after_ms"] = r.change_after_ms;
  j["rate_mbit"] = r.rate_mbit;
  j["size_mib"] = r.size_mib;
  j["variants"] = nlohmann::json::array();
  for (const auto& v : r.variants) {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& run : v.runs)
      runs.push_back({{"baseline_ms", run.baseline_ms},
                      {"changed_ms", run.changed_ms},
                      {"intact", run.intact},
                      {"connections", run.connections},
                      {"migrations", run.migrations}});
    j["variants"].push_back({{"proto", v.proto}, {"runs", runs}});
  }
  j["h3_continues"] = r.h3_continues;
  j["h2_restarts"] = r.h2_restarts;
  j["confirmed"] = r.confirmed;
  j["verdict"] = r.verdict;
  j["confidence"] = r.confidence;
  return j.dump(2) + "\n";
}

std::string migration_svg(const MigrationResult& r) {
  const int w = 640, left = 120, plot_w = 460, bar_h = 22, top = 40;
  const int h = top + int(r.variants.size()) * 2 * (bar_h + 8) + 50;
  double maxv = 1;
  for (const auto& v : r.variants)
    maxv = std::max({maxv, med_or(pick(v, &MigrationRun::baseline_ms)), med_or(pick(v, &MigrationRun::changed_ms))});
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"10\" y=\"20\" font-size=\"14\">Download time: without (grey) and with (colour) an address change "
      "at {:.0f} ms</text>\n",
      w, h, r.change_after_ms);
  int y = top;
  for (const auto& v : r.variants) {
    const double b = med_or(pick(v, &MigrationRun::baseline_ms)), c = med_or(pick(v, &MigrationRun::changed_ms));
    for (int k = 0; k < 2; ++k) {
      const double val = k == 0 ? b : c;
      s += fmt::format("<text x=\"10\" y=\"{}\">{} {}</text>\n", y + bar_h / 2 + 4, v.proto, k == 0 ? "baseline" : "changed");
      if (val > 0)
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>"
                         "<text x=\"{:.1f}\" y=\"{}\">{:.0f} ms</text>\n",
                         left, y, plot_w * val / maxv, bar_h, k == 0 ? "#bbb" : (v.proto == "h3" ? "#f5a623" : "#4a90d9"),
                         left + plot_w * val / maxv + 4, y + bar_h / 2 + 4, val);
      y += bar_h + 8;
    }
  }
  s += fmt::format("<text x=\"10\" y=\"{}\">{}</text>\n</svg>\n", h - 12,
                   r.confirmed ? "h3 continued on one connection; h2 had to reconnect and resume"
                               : "see the table: the claim was not confirmed in every run");
  return s;
}

namespace {

using Clock = std::chrono::steady_clock;

double since_ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void sh(const LabNet& net, const std::string& ns, std::vector<std::string> args) {
  std::vector<std::string> argv = {"ip", "-n", ns};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string ignored;
  run_command(argv, &ignored);
}

// The client back on its first address (the setup of LabNet).
// From any state: both addresses and the route removed, then the first
// address (with its peer route) added back.
void reset_address(const LabNet& net) {
  sh(net, net.client_ns(), {"addr", "del", std::string(kNewClientAddr) + "/32", "dev", net.client_dev()});
  sh(net, net.client_ns(), {"addr", "del", kClientAddr, "peer", kServerAddr, "dev", net.client_dev()});
  sh(net, net.client_ns(), {"route", "del", kServerAddr, "dev", net.client_dev()});
  sh(net, net.client_ns(), {"addr", "add", kClientAddr, "peer", kServerAddr, "dev", net.client_dev()});
}

// The handover, as a phone moving from Wi-Fi to mobile data: at
// `change_after_ms` after `t0` the new address comes up and becomes the
// route's source (new sockets use it); kOverlapMs later the old address goes
// away (sockets bound to it are cut off).
void handover(const LabNet& net, Clock::time_point t0, double change_after_ms) {
  const auto route_src = [&] {
    sh(net, net.client_ns(), {"route", "replace", kServerAddr, "dev", net.client_dev(), "src", kNewClientAddr});
  };
  std::this_thread::sleep_until(t0 + std::chrono::milliseconds(static_cast<long>(change_after_ms)));
  sh(net, net.client_ns(), {"addr", "add", std::string(kNewClientAddr) + "/32", "dev", net.client_dev()});
  route_src();
  std::this_thread::sleep_until(t0 + std::chrono::milliseconds(static_cast<long>(change_after_ms + kOverlapMs)));
  sh(net, net.client_ns(), {"addr", "del", kClientAddr, "peer", kServerAddr, "dev", net.client_dev()});
  route_src();  // deleting the address may take the route with it
}

double migrations_metric(const LabNet& net) {
  const auto text = output_in(net, net.server_ns(), {"curl", "-s", "--max-time", "5",
                                                     "http://127.0.0.1:9901/metrics"});
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("strata_quic_migrations_total ", 0) == 0) return std::stod(line.substr(line.find(' ') + 1));
  return 0;
}

bool same_file(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::stringstream sa, sb;
  sa << fa.rdbuf();
  sb << fb.rdbuf();
  return fa && fb && sa.str() == sb.str() && !sa.str().empty();
}

struct Download {
  double ms = -1;
  bool intact = false;
  unsigned connections = 0;
};

Download run_h3(const LabNet& net, const LabOptions& o, const std::string& dir, const std::string& served,
                double change_after_ms, bool change) {
  const std::string out = dir + "/h3";
  std::string ignored;
  run_command({"rm", "-rf", out}, &ignored);
  run_command({"mkdir", "-p", out}, &ignored);
  std::vector<std::string> args = {"gtlsclient", "-q", "--exit-on-all-streams-close", "--timeout=30s",
                                   "--handshake-timeout=10s", "--download=" + out};
  if (change)
    args.push_back(fmt::format("--change-local-addr={}ms", static_cast<long>(change_after_ms + kMoveGapMs)));
  args.insert(args.end(), {kServerAddr, "8443", std::string("https://") + kServerAddr + ":8443/big"});
  const auto t0 = Clock::now();
  Child c = start_in(net, net.client_ns(), args, dir + "/gtls.log", "");
  if (change) handover(net, t0, change_after_ms);
  const int rc = wait_child(c, 90);
  Download d;
  d.ms = since_ms(t0);
  d.intact = rc == 0 && same_file(out + "/big", served);
  d.connections = 1;
  (void)o;
  return d;
}

Download run_h2(const LabNet& net, const std::string& dir, const std::string& served, double change_after_ms,
                bool change) {
  const std::string out = dir + "/h2.big";
  std::string ignored;
  run_command({"rm", "-f", out}, &ignored);
  const std::string url = std::string("https://") + kServerAddr + ":8443/big";
  auto curl = [&](bool resume) {
    std::vector<std::string> a = {"curl", "-sk", "--http2", "--speed-limit", "1", "--speed-time", "2",
                                  "--max-time", "60", "-o", out};
    if (resume) a.insert(a.end(), {"-C", "-"});
    a.push_back(url);
    return a;
  };
  const auto t0 = Clock::now();
  Child c = start_in(net, net.client_ns(), curl(false), dir + "/curl1.log", "");
  if (change) handover(net, t0, change_after_ms);
  Download d;
  d.connections = 1;
  int rc = wait_child(c, 90);
  if (rc != 0) {  // the connection broke: resume on a new one
    Child again = start_in(net, net.client_ns(), curl(true), dir + "/curl2.log", "");
    rc = wait_child(again, 90);
    d.connections = 2;
  }
  d.ms = since_ms(t0);
  d.intact = rc == 0 && same_file(out, served);
  return d;
}

}  // namespace

int run_migration(const LabOptions& o) {
  MigrationResult r;
  r.rtt_ms = o.rtt_ms;
  r.rate_mbit = 16;
  r.size_mib = 6;
  r.change_after_ms = 1200;
  char dir_template[] = "/tmp/strata-lab-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  std::string ignored;
  const std::string cfg = write_files_site(dir, true);
  const std::string served = dir + "/www/big";
  write_pattern_file(served, static_cast<std::size_t>(r.size_mib * 1024 * 1024), 0x9E3779B97F4A7C15ull);
  r.variants = {{"h2", {}}, {"h3", {}}};
  {
    LabNet net({o.rtt_ms / 2, 0, 5}, r.rate_mbit);
    // The server's way back to the client's second address.
    sh(net, net.server_ns(), {"route", "add", std::string(kNewClientAddr) + "/32", "dev", net.server_dev()});
    Child server = start_in(net, net.server_ns(), {o.self, "serve", "-c", cfg}, dir + "/strata.log");
    for (unsigned rep = 0; rep < o.repeat; ++rep)
      for (auto& v : r.variants) {
        MigrationRun run;
        reset_address(net);
        const auto base = v.proto == "h3" ? run_h3(net, o, dir, served, r.change_after_ms, false)
                                          : run_h2(net, dir, served, r.change_after_ms, false);
        run.baseline_ms = base.intact ? base.ms : -1;
        reset_address(net);
        const double m0 = migrations_metric(net);
        const auto changed = v.proto == "h3" ? run_h3(net, o, dir, served, r.change_after_ms, true)
                                             : run_h2(net, dir, served, r.change_after_ms, true);
        run.changed_ms = changed.ms;
        run.intact = changed.intact;
        run.connections = changed.connections;
        run.migrations = migrations_metric(net) - m0;
        v.runs.push_back(run);
      }
    reset_address(net);
    stop(server);
  }
  judge(r);
  const std::string svg = o.svg.empty() ? "migration.svg" : o.svg;
  std::ofstream(svg) << migration_svg(r);
  const auto text = o.json ? migration_json(r) : migration_table(r) + "chart: " + svg + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::getenv("STRATA_LAB_KEEP"))
    std::fprintf(stderr, "strata lab: kept %s\n", dir.c_str());
  else
    run_command({"rm", "-rf", dir}, &ignored);
  return 0;
}

}  // namespace strata::tools::lab

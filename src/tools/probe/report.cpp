#include "tools/probe/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace strata::tools::probe {

PhaseTimes Attempt::phases() const {
  PhaseTimes p;
  p.dns_ms = dns_done;
  p.connect_ms = std::max(0.0, connect_done - dns_done);
  p.tls_ms = std::max(0.0, tls_done - connect_done);
  p.wait_ms = first_byte > 0 ? std::max(0.0, first_byte - request_sent) : 0;
  p.transfer_ms = first_byte > 0 ? std::max(0.0, done - first_byte) : 0;
  p.status = status;
  if (quic) p.rtt_ms = std::max(0.0, rtt_ms);
  return p;
}

namespace {

struct Phase {
  const char* name;
  double from, to;
};

std::vector<Phase> phase_spans(const Attempt& a) {
  if (a.quic) {
    // No TCP connect; with 0-RTT the request leaves during the handshake.
    const double sent_from = a.request_sent < a.tls_done ? a.connect_done : a.tls_done;
    return {{"dns", 0, a.dns_done},
            {"quic", a.connect_done, a.tls_done},
            {"send", sent_from, a.request_sent},
            {"wait", a.request_sent, a.first_byte},
            {"transfer", a.first_byte, a.done}};
  }
  std::vector<Phase> v{{"dns", 0, a.dns_done}, {"connect", a.dns_done, a.connect_done}};
  if (a.tls_done > a.connect_done || !a.tls_version.empty())
    v.push_back({"tls", a.connect_done, a.tls_done});
  v.push_back({"send", a.tls_done, a.request_sent});
  v.push_back({"wait", a.request_sent, a.first_byte});
  v.push_back({"transfer", a.first_byte, a.done});
  return v;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Stat {
  double min = 0, med = 0, max = 0;
};

Stat stat_of(const std::vector<Attempt>& as, double (*f)(const Attempt&)) {
  std::vector<double> v;
  for (auto& a : as)
    if (a.error.empty()) v.push_back(f(a));
  if (v.empty()) return {};
  return {*std::min_element(v.begin(), v.end()), median(v), *std::max_element(v.begin(), v.end())};
}

using Getter = double (*)(const Attempt&);
const std::pair<const char*, Getter> kStats[] = {
    {"dns", [](const Attempt& a) { return a.phases().dns_ms; }},
    {"connect", [](const Attempt& a) { return a.phases().connect_ms; }},
    {"tls", [](const Attempt& a) { return a.phases().tls_ms; }},
    {"wait", [](const Attempt& a) { return a.phases().wait_ms; }},
    {"transfer", [](const Attempt& a) { return a.phases().transfer_ms; }},
    {"ttfb", [](const Attempt& a) { return a.first_byte; }},
    {"total", [](const Attempt& a) { return a.done; }},
};

}  // namespace

PhaseTimes summary_phases(const std::vector<Attempt>& as) {
  std::vector<Attempt> ok;
  for (auto& a : as)
    if (a.error.empty()) ok.push_back(a);
  if (ok.empty()) {
    PhaseTimes p = as.empty() ? PhaseTimes{} : as.front().phases();
    p.status = 0;
    return p;
  }
  PhaseTimes p;
  auto med = [&](auto f) {
    std::vector<double> v;
    for (auto& a : ok) v.push_back(f(a.phases()));
    return median(v);
  };
  p.dns_ms = med([](const PhaseTimes& t) { return t.dns_ms; });
  p.connect_ms = med([](const PhaseTimes& t) { return t.connect_ms; });
  p.tls_ms = med([](const PhaseTimes& t) { return t.tls_ms; });
  p.wait_ms = med([](const PhaseTimes& t) { return t.wait_ms; });
  p.transfer_ms = med([](const PhaseTimes& t) { return t.transfer_ms; });
  if (ok.front().quic) p.rtt_ms = med([](const PhaseTimes& t) { return t.rtt_ms; });
  p.status = ok.back().status;
  for (auto& a : ok)
    if (a.status >= 500) p.status = a.status;
  return p;
}

std::string waterfall(const Attempt& a, int width) {
  const double total = std::max(a.done, 1e-6);
  std::string out;
  for (auto& ph : phase_spans(a)) {
    if (ph.to < ph.from) continue;
    int s = int(std::floor(ph.from / total * width));
    int e = int(std::ceil(ph.to / total * width));
    s = std::clamp(s, 0, width - 1);
    e = std::clamp(e, s + 1, width);
    std::string bar(std::size_t(s), ' ');
    for (int i = s; i < e; ++i) bar += "\u2588";
    bar += std::string(std::size_t(width - e), ' ');
    out += fmt::format("  {:<9}|{}| {:9.3f} ms  (at {:.3f})\n", ph.name, bar, ph.to - ph.from, ph.to);
    if (a.quic && std::string_view(ph.name) == "dns")
      out += fmt::format("  {:<9} {:>{}}  (QUIC over UDP: no TCP connect)\n", "connect", "-", width + 1);
  }
  return out;
}

std::string report_text(const std::string& url, const std::vector<Attempt>& as,
                        const std::vector<Finding>& diag) {
  std::string o = fmt::format("probe {}\n", url);
  for (std::size_t i = 0; i < as.size(); ++i) {
    const Attempt& a = as[i];
    o += fmt::format("\n#{}  ", i + 1);
    if (!a.error.empty()) {
      o += fmt::format("FAILED in {}: {}\n", a.failed_phase, a.error);
      continue;
    }
    o += fmt::format("{} {}  {} body bytes  from {}\n", a.protocol, a.status, a.body_bytes, a.remote);
    if (i == 0) {
      std::string ans;
      for (auto& [fam, ip] : a.answers) ans += fmt::format(" {} {}", fam, ip);
      o += fmt::format("  dns answers:{}\n", ans.empty() ? " -" : ans);
    }
    if (!a.tls_version.empty())
      o += fmt::format("  tls: {} {} alpn={} resumed={} verify={}{}\n", a.tls_version, a.cipher,
                       a.alpn.empty() ? "-" : a.alpn, a.resumed ? "yes" : "no", a.verify,
                       !a.quic ? ""
                       : !a.early_data ? " 0-RTT=no"
                       : a.early_data_accepted ? " 0-RTT=accepted"
                                               : " 0-RTT=rejected");
    if (a.quic) o += fmt::format("  quic: handshake {:.3f} ms, min RTT {:.3f} ms\n",
                                 a.tls_done - a.connect_done, a.rtt_ms);
    if (i == 0) {
      for (std::size_t k = 0; k < a.chain.size(); ++k) {
        auto& c = a.chain[k];
        o += fmt::format("  cert[{}] subject={}\n          issuer={}\n          notAfter={}\n", k,
                         c.subject, c.issuer, c.not_after);
        if (!c.sans.empty()) {
          std::string s;
          for (auto& x : c.sans) s += (s.empty() ? "" : ", ") + x;
          o += fmt::format("          SANs={}\n", s);
        }
      }
      if (!a.tls_version.empty() && !a.quic) {
        o += fmt::format("  SCTs: {}", a.sct_log_ids.size());
        for (auto& id : a.sct_log_ids) o += " log " + id;
        o += "\n";
      }
      o += fmt::format("  alt-svc: {}\n", a.alt_svc.empty() ? "-" : a.alt_svc);
    }
    if (i == 0 || as.size() <= 3) o += waterfall(a);
    else
      o += fmt::format("  ttfb {:.3f} ms  total {:.3f} ms\n", a.first_byte, a.done);
  }
  if (as.size() > 1) {
    o += "\n  phase        min      median         max   (ms)\n";
    for (auto& [name, f] : kStats) {
      if (as.front().quic && std::string_view(name) == "connect") {
        o += fmt::format("  {:<9}{:>9}  (QUIC: no TCP connect)\n", name, "-");
        continue;
      }
      Stat s = stat_of(as, f);
      o += fmt::format("  {:<9}{:9.3f}  {:9.3f}  {:10.3f}\n", name, s.min, s.med, s.max);
    }
  }
  o += "\ndiagnosis:\n";
  for (auto& f : diag) o += fmt::format("  [{}] {}: {}\n", f.where, f.code, f.message);
  return o;
}

std::string report_json(const std::string& url, const std::vector<Attempt>& as,
                        const std::vector<Finding>& diag) {
  nlohmann::json j;
  j["url"] = url;
  j["attempts"] = nlohmann::json::array();
  for (auto& a : as) {
    nlohmann::json x;
    if (!a.error.empty()) x["error"] = {{"phase", a.failed_phase}, {"message", a.error}};
    nlohmann::json ans = nlohmann::json::array();
    for (auto& [fam, ip] : a.answers) ans.push_back({{"type", fam}, {"address", ip}});
    x["dns"] = {{"ms", a.dns_done}, {"answers", ans}};
    x["remote"] = a.remote;
    const PhaseTimes p = a.phases();
    x["phases_ms"] = {{"dns", p.dns_ms},   {"connect", p.connect_ms}, {"tls", p.tls_ms},
                      {"wait", p.wait_ms}, {"transfer", p.transfer_ms}};
    // Cumulative offsets, comparable with curl -w time_*.
    x["at_ms"] = {{"dns_done", a.dns_done},       {"connect_done", a.connect_done},
                  {"tls_done", a.tls_done},       {"request_sent", a.request_sent},
                  {"first_byte", a.first_byte},   {"done", a.done}};
    x["connect_ms"] = a.connect_done;
    if (a.quic) {  // no TCP connect
      x["phases_ms"]["connect"] = nullptr;
      x["at_ms"]["connect_done"] = nullptr;
      x["connect_ms"] = nullptr;
      x["quic"] = {{"handshake_ms", p.tls_ms},
                   {"rtt_ms", a.rtt_ms},
                   {"zero_rtt", {{"attempted", a.early_data}, {"accepted", a.early_data_accepted}}}};
    }
    x["ttfb_ms"] = a.first_byte;
    x["total_ms"] = a.done;
    x["protocol"] = a.protocol;
    x["status"] = a.status;
    x["body_bytes"] = a.body_bytes;
    x["alt_svc"] = a.alt_svc;
    if (!a.tls_version.empty()) {
      x["tls"] = {{"version", a.tls_version}, {"cipher", a.cipher}, {"alpn", a.alpn},
                  {"resumed", a.resumed},     {"verify", a.verify}};
      nlohmann::json chain = nlohmann::json::array();
      for (auto& c : a.chain)
        chain.push_back({{"subject", c.subject}, {"issuer", c.issuer},
                         {"not_after", c.not_after}, {"sans", c.sans}});
      x["certificates"] = chain;
      if (!a.quic) x["scts"] = {{"count", a.sct_log_ids.size()}, {"log_ids", a.sct_log_ids}};
    }
    j["attempts"].push_back(x);
  }
  nlohmann::json sum = nlohmann::json::object();
  for (auto& [name, f] : kStats) {
    Stat s = stat_of(as, f);
    sum[name] = {{"min", s.min}, {"median", s.med}, {"max", s.max}};
    if (!as.empty() && as.front().quic && std::string_view(name) == "connect") sum[name] = nullptr;
  }
  j["summary_ms"] = sum;
  j["diagnosis"] = nlohmann::json::array();
  for (auto& f : diag)
    j["diagnosis"].push_back({{"code", f.code}, {"where", f.where}, {"message", f.message}});
  return j.dump(2) + "\n";
}

}  // namespace strata::tools::probe

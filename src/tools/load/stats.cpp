#include "tools/load/stats.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace strata::tools::load {

const char* error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::connect: return "connect";
    case ErrorKind::tls: return "tls";
    case ErrorKind::reset: return "reset";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::protocol: return "protocol";
    case ErrorKind::count_: break;
  }
  return "?";
}

void ThreadStats::merge(const ThreadStats& o) {
  latency.merge(o.latency);
  ttfb.merge(o.ttfb);
  connect.merge(o.connect);
  tls.merge(o.tls);
  succeeded += o.succeeded;
  failed += o.failed;
  unfinished += o.unfinished;
  bytes_read += o.bytes_read;
  body_bytes += o.body_bytes;
  for (std::size_t i = 0; i < status_class.size(); ++i) status_class[i] += o.status_class[i];
  for (auto& [k, v] : o.status) status[k] += v;
  for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
  connections_opened += o.connections_opened;
  resumed += o.resumed;
  zero_rtt_attempted += o.zero_rtt_attempted;
  zero_rtt_accepted += o.zero_rtt_accepted;
  last_done_ns = std::max(last_done_ns, o.last_done_ns);
}

namespace {

double ms(std::uint64_t ns) { return double(ns) / 1e6; }

nlohmann::json hist_json(const Histogram& h) {
  return {{"count", h.count()},         {"min", ms(h.min())},
          {"mean", h.mean() / 1e6},     {"p50", ms(h.percentile(50))},
          {"p90", ms(h.percentile(90))}, {"p99", ms(h.percentile(99))},
          {"p99_9", ms(h.percentile(99.9))}, {"max", ms(h.max())}};
}

std::string hist_line(const char* name, const Histogram& h) {
  if (h.count() == 0) return fmt::format("  {:<9} -\n", name);
  return fmt::format(
      "  {:<9} min {:.3f}  mean {:.3f}  p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  "
      "max {:.3f}  (ms, n={})\n",
      name, ms(h.min()), h.mean() / 1e6, ms(h.percentile(50)), ms(h.percentile(90)),
      ms(h.percentile(99)), ms(h.percentile(99.9)), ms(h.max()), h.count());
}

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB"};
  int u = 0;
  while (b >= 1024 && u < 3) {
    b /= 1024;
    ++u;
  }
  return fmt::format("{:.2f} {}", b, units[u]);
}

}  // namespace

std::string report_json(const ThreadStats& s, const RunInfo& r) {
  const double secs = r.elapsed_s > 0 ? r.elapsed_s : 1e-9;
  nlohmann::json j;
  j["protocol"] = r.protocol;
  j["connections"] = r.connections;
  j["threads"] = r.threads;
  j["streams"] = r.streams;
  if (r.rate > 0) j["rate"] = r.rate;
  j["elapsed_s"] = r.elapsed_s;
  j["requests"] = {{"total", s.succeeded + s.failed},
                   {"succeeded", s.succeeded},
                   {"failed", s.failed},
                   {"unfinished", s.unfinished},
                   {"per_second", double(s.succeeded) / secs}};
  j["bytes"] = {{"read", s.bytes_read}, {"body", s.body_bytes},
                {"per_second", double(s.bytes_read) / secs}};
  j["latency_ms"] = hist_json(s.latency);
  j["ttfb_ms"] = hist_json(s.ttfb);
  j["connect_ms"] = hist_json(s.connect);
  j["tls_ms"] = hist_json(s.tls);
  nlohmann::json st = nlohmann::json::object();
  for (auto& [code, n] : s.status) st[std::to_string(code)] = n;
  j["status"] = st;
  nlohmann::json classes = nlohmann::json::object();
  for (int c = 1; c <= 5; ++c) classes[fmt::format("{}xx", c)] = s.status_class[std::size_t(c)];
  j["status_class"] = classes;
  nlohmann::json err = nlohmann::json::object();
  for (std::size_t k = 0; k < s.errors.size(); ++k)
    err[error_kind_name(ErrorKind(k))] = s.errors[k];
  j["errors"] = err;
  j["connections_opened"] = s.connections_opened;
  if (r.protocol == "h3") {
    j["handshake_ms"] = hist_json(s.tls);
    j["resumed"] = s.resumed;
    j["zero_rtt"] = {{"attempted", s.zero_rtt_attempted}, {"accepted", s.zero_rtt_accepted}};
  }
  return j.dump(2) + "\n";
}

std::string report_text(const ThreadStats& s, const RunInfo& r) {
  const double secs = r.elapsed_s > 0 ? r.elapsed_s : 1e-9;
  std::string o;
  o += fmt::format("protocol {}, {} connections, {} threads, {} streams/conn{}\n", r.protocol,
                   r.connections, r.threads, r.streams,
                   r.rate > 0 ? fmt::format(", open loop at {:.0f} req/s", r.rate) : "");
  o += fmt::format("finished in {:.3f}s, {:.2f} req/s, {}/s\n", r.elapsed_s,
                   double(s.succeeded) / secs, human_bytes(double(s.bytes_read) / secs));
  o += fmt::format("requests: {} total, {} succeeded, {} failed", s.succeeded + s.failed,
                   s.succeeded, s.failed);
  if (s.unfinished) o += fmt::format(", {} unfinished at the end", s.unfinished);
  o += "\n";
  o += fmt::format("status codes: {} 2xx, {} 3xx, {} 4xx, {} 5xx", s.status_class[2],
                   s.status_class[3], s.status_class[4], s.status_class[5]);
  for (auto& [code, n] : s.status) o += fmt::format("  [{}: {}]", code, n);
  o += "\n";
  o += "errors:";
  for (std::size_t k = 0; k < s.errors.size(); ++k)
    o += fmt::format(" {} {}", error_kind_name(ErrorKind(k)), s.errors[k]);
  o += "\n";
  o += fmt::format("traffic: {} read, {} body\n", human_bytes(double(s.bytes_read)),
                   human_bytes(double(s.body_bytes)));
  o += hist_line("latency", s.latency);
  o += hist_line("ttfb", s.ttfb);
  if (r.protocol == "h3") {
    o += hist_line("handshake", s.tls);
    o += fmt::format("quic: {} handshakes, {} resumed, 0-RTT {} attempted / {} accepted\n",
                     s.tls.count(), s.resumed, s.zero_rtt_attempted, s.zero_rtt_accepted);
  } else {
    o += hist_line("connect", s.connect);
    o += hist_line("tls", s.tls);
  }
  return o;
}

}  // namespace strata::tools::load

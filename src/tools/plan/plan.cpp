#include "tools/plan/plan.hpp"

#include <cstdio>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tools/plan/metrics_reader.hpp"

namespace strata::tools::plan {

namespace {

HeaderSet parse_headers(const std::vector<std::string>& lines, HeaderSet defaults) {
  if (lines.empty()) return defaults;
  HeaderSet s;
  for (const auto& l : lines) {
    auto colon = l.find(':', l.empty() || l[0] != ':' ? 0 : 1);
    if (colon == std::string::npos || colon == 0) throw std::invalid_argument("header must be 'name: value': " + l);
    std::string name = l.substr(0, colon), value = l.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    s.fields.emplace_back(std::move(name), std::move(value));
  }
  return s;
}

std::string mbps(double bps) { return fmt::format("{:.2f}", bps / 1e6); }

std::string with_commas(double v, int decimals = 2) {
  auto s = fmt::format("{:.{}f}", v, decimals);
  auto dot = s.find('.');
  auto int_end = dot == std::string::npos ? s.size() : dot;
  for (long i = long(int_end) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3) s.insert(std::size_t(i), ",");
  return s;
}

}  // namespace

void finish_options(PlanOptions& o) {
  auto& c = o.corrected;
  c.users = o.source.concurrent_users;
  c.request_body = o.source.request_bytes;
  c.response_body = o.source.response_bytes;
  c.rps_per_user = o.source.requests_per_second_per_user;
  c.proto = parse_proto(o.source.protocol);
  if (!o.conns_set) c.connections_per_user = c.proto == Proto::h1 ? 6 : 1;
  if (!o.cpu_set) c.cpu_us_per_request = default_cpu_us_per_request(c.proto);
  if (!o.memory_set) c.memory_per_connection = default_memory_per_connection(c.proto);
  c.request_headers = parse_headers(o.request_headers, default_request_headers(std::size_t(c.request_body)));
  c.response_headers = parse_headers(o.response_headers, default_response_headers(std::size_t(c.response_body)));
}

std::string render_text(const PlanOptions& o, const SourceResult& s, const PlanResult& r,
                        const std::string& measured_note) {
  const auto& in = o.source;
  const auto& c = o.corrected;
  std::string out;
  out += fmt::format("== the source's model (topic 23), reproduced exactly ==\n");
  out += fmt::format("inputs: {} users, {} B requests, {} B responses, {} req/s per user, {} "
                     "(overhead {}, {} conn/user, state {} B, keep-alive {} B), factor {}\n",
                     with_commas(in.concurrent_users, 0), in.request_bytes, in.response_bytes,
                     in.requests_per_second_per_user, in.protocol, in.proto.overhead,
                     in.proto.connections_per_user, in.proto.state_bytes, in.proto.keepalive_bytes,
                     in.recommended_factor);
  out += fmt::format("  {:<28} {:>14}\n", "total_bandwidth_mbps", with_commas(s.total_bandwidth_mbps));
  out += fmt::format("  {:<28} {:>14}\n", "connection_overhead_mbps", with_commas(s.connection_overhead_mbps));
  out += fmt::format("  {:<28} {:>14}\n", "total_with_overhead_mbps", with_commas(s.total_with_overhead_mbps));
  out += fmt::format("  {:<28} {:>14}\n", "recommended_capacity_mbps", with_commas(s.recommended_capacity_mbps));
  out += fmt::format("Required bandwidth: {:.2f} Mbps (the formula; 1 \"Mbps\" = 2^20 bit/s as in the source)\n",
                     s.recommended_capacity_mbps);
  for (const auto& f : source_flaws(in, s)) out += "  flaw: " + f + "\n";

  out += fmt::format("\n== corrected model ({}, {} connections, MTU {}, keep-alive every {} s, headroom x{}) ==\n",
                     proto_name(c.proto), with_commas(r.connections, 0), c.mtu, c.keepalive_interval_s, c.headroom);
  out += fmt::format("per message (bytes)       {:>10} {:>10}\n", "request", "response");
  auto row = [&](const char* name, double a, double b) {
    out += fmt::format("  {:<24}{:>10.0f} {:>10.0f}\n", name, a, b);
  };
  row("header block, first", r.request.head_first, r.response.head_first);
  row("header block, later", r.request.head, r.response.head);
  row("body", r.request.body, r.response.body);
  row("framing", r.request.framing, r.response.framing);
  row("TLS records", r.request.tls, r.response.tls);
  row("packets", r.request.packets, r.response.packets);
  row("packet headers", r.request.packet_headers, r.response.packet_headers);
  row("on the wire", r.request.wire, r.response.wire);
  row("ACKs back (bytes)", r.request.ack_bytes, r.response.ack_bytes);
  out += fmt::format("totals\n");
  out += fmt::format("  {:<34}{:>14}\n", "requests/s", with_commas(r.rps, 0));
  out += fmt::format("  {:<34}{:>14}\n", "to the server, Mbps", mbps(r.in_bps));
  out += fmt::format("  {:<34}{:>14}\n", "from the server, Mbps", mbps(r.out_bps));
  out += fmt::format("  {:<34}{:>14}\n", "  of which keep-alive in/out, Mbps",
                     mbps(r.keepalive_in_bps) + "/" + mbps(r.keepalive_out_bps));
  out += fmt::format("  {:<34}{:>14}\n", "keep-alive packets/s", with_commas(r.keepalive_pps, 0));
  out += fmt::format("  {:<34}{:>13.1f}%\n", "overhead over bodies", r.overhead_fraction * 100);
  out += fmt::format("  {:<34}{:>14}\n", "link (max direction x headroom)", mbps(r.link_mbps * 1e6) + " Mbps");
  out += fmt::format("  {:<34}{:>14}\n", "connection memory, MiB",
                     fmt::format("{:.1f}", r.memory_bytes / 1048576.0));
  out += fmt::format("  {:<34}{:>14}\n", "  x headroom, MiB", fmt::format("{:.1f}", r.memory_recommended / 1048576.0));
  out += fmt::format("  {:<34}{:>14}\n", "CPU cores", fmt::format("{:.2f}", r.cpu_cores));
  out += fmt::format("  {:<34}{:>14}\n", "  x headroom", fmt::format("{:.2f}", r.cores_recommended));
  out += fmt::format("figures: {:.1f} us CPU per request, {:.0f} B per connection ({})\n", c.cpu_us_per_request,
                     c.memory_per_connection, measured_note.empty() ? "strata's benchmark figures" : measured_note);
  out += fmt::format("source's figure for the same inputs: {} \"Mbps\"; corrected link: {} Mbps\n",
                     with_commas(s.recommended_capacity_mbps), with_commas(r.link_mbps));
  return out;
}

std::string render_json(const PlanOptions& o, const SourceResult& s, const PlanResult& r,
                        const std::string& measured_note) {
  const auto& c = o.corrected;
  nlohmann::json j;
  j["source"] = {{"total_rps", s.total_rps},
                 {"total_bandwidth_mbps", s.total_bandwidth_mbps},
                 {"connection_overhead_mbps", s.connection_overhead_mbps},
                 {"total_with_overhead_mbps", s.total_with_overhead_mbps},
                 {"recommended_capacity_mbps", s.recommended_capacity_mbps},
                 {"printed_mbps", kSourcePrintedMbps},
                 {"flaws", source_flaws(o.source, s)}};
  auto msg = [](const MessageCost& m) {
    return nlohmann::json{{"head_first", m.head_first}, {"head", m.head}, {"body", m.body},
                          {"framing", m.framing}, {"tls", m.tls}, {"packets", m.packets},
                          {"packet_headers", m.packet_headers}, {"wire", m.wire},
                          {"ack_packets", m.ack_packets}, {"ack_bytes", m.ack_bytes}};
  };
  j["corrected"] = {{"protocol", proto_name(c.proto)},
                    {"connections", r.connections},
                    {"rps", r.rps},
                    {"request", msg(r.request)},
                    {"response", msg(r.response)},
                    {"keepalive", {{"to_server_bytes", r.keepalive.to_server_bytes},
                                   {"to_client_bytes", r.keepalive.to_client_bytes},
                                   {"packets_per_interval", r.keepalive.packets},
                                   {"packets_per_second", r.keepalive_pps},
                                   {"in_mbps", r.keepalive_in_bps / 1e6},
                                   {"out_mbps", r.keepalive_out_bps / 1e6}}},
                    {"in_mbps", r.in_bps / 1e6},
                    {"out_mbps", r.out_bps / 1e6},
                    {"overhead_fraction", r.overhead_fraction},
                    {"link_mbps", r.link_mbps},
                    {"memory_bytes", r.memory_bytes},
                    {"memory_recommended_bytes", r.memory_recommended},
                    {"cpu_cores", r.cpu_cores},
                    {"cores_recommended", r.cores_recommended},
                    {"cpu_us_per_request", c.cpu_us_per_request},
                    {"memory_per_connection", c.memory_per_connection},
                    {"headroom", c.headroom}};
  j["measured"] = measured_note;
  return j.dump(2) + "\n";
}

int run_plan(PlanOptions o) {
  std::string note;
  try {
    finish_options(o);
    if (!o.from_metrics.empty()) {
      auto before = parse_prometheus(fetch_metrics(o.from_metrics));
      std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(o.sample_s * 1000)));
      auto after = parse_prometheus(fetch_metrics(o.from_metrics));
      auto m = derive_measured(before, after);
      if (m.cpu_us_per_request && !o.cpu_set) o.corrected.cpu_us_per_request = *m.cpu_us_per_request;
      if (m.memory_per_connection && !o.memory_set) o.corrected.memory_per_connection = *m.memory_per_connection;
      note = "measured from " + o.from_metrics + ": " + m.note;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata plan: %s\n", e.what());
    return 1;
  }
  const auto s = compute_source(o.source);
  const auto r = compute_plan(o.corrected);
  const auto text = o.json ? render_json(o, s, r, note) : render_text(o, s, r, note);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace strata::tools::plan

#include "tools/load/hub_stats.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace strata::tools::load {

const char* hub_error_name(HubError e) {
  switch (e) {
    case HubError::connect: return "connect";
    case HubError::handshake: return "handshake";
    case HubError::reset: return "reset";
    case HubError::protocol: return "protocol";
    case HubError::timeout: return "timeout";
    case HubError::count_: break;
  }
  return "?";
}

std::uint64_t HubStats::failed() const {
  const std::uint64_t done = established + unfinished;
  return attempted > done ? attempted - done : 0;
}

namespace {

std::int64_t min_set(std::int64_t a, std::int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

void HubStats::merge(const HubStats& o) {
  delivery.merge(o.delivery);
  connect.merge(o.connect);
  latency.merge(o.latency);
  attempted += o.attempted;
  established += o.established;
  closed += o.closed;
  unfinished += o.unfinished;
  deliveries += o.deliveries;
  other_messages += o.other_messages;
  bytes += o.bytes;
  start_us = min_set(start_us, o.start_us);
  ready_us = std::max(ready_us, o.ready_us);
  first_delivery_us = min_set(first_delivery_us, o.first_delivery_us);
  last_delivery_us = std::max(last_delivery_us, o.last_delivery_us);
  published += o.published;
  publish_failed += o.publish_failed;
  publish_unfinished += o.publish_unfinished;
  for (auto& [k, v] : o.status) status[k] += v;
  last_publish_us = std::max(last_publish_us, o.last_publish_us);
  for (std::size_t i = 0; i < errors.size(); ++i) errors[i] += o.errors[i];
}

void HubStats::delivered(std::int64_t now_us, std::uint64_t stamp_us, std::size_t n) {
  ++deliveries;
  bytes += n;
  const std::int64_t d = now_us - std::int64_t(stamp_us);
  delivery.record(std::uint64_t(std::max<std::int64_t>(0, d)) * 1000);
  if (first_delivery_us == 0) first_delivery_us = now_us;
  last_delivery_us = std::max(last_delivery_us, now_us);
}

double HubStats::connects_per_s() const {
  if (established == 0 || ready_us <= start_us) return 0;
  return double(established) / (double(ready_us - start_us) / 1e6);
}

double HubStats::deliveries_per_s() const {
  if (deliveries < 2 || last_delivery_us <= first_delivery_us) return 0;
  return double(deliveries) / (double(last_delivery_us - first_delivery_us) / 1e6);
}

namespace {

double ms(std::uint64_t ns) { return double(ns) / 1e6; }

nlohmann::json hist_json(const Histogram& h, bool buckets) {
  nlohmann::json j = {{"count", h.count()},          {"min", ms(h.min())},
                      {"mean", h.mean() / 1e6},      {"p50", ms(h.percentile(50))},
                      {"p90", ms(h.percentile(90))}, {"p99", ms(h.percentile(99))},
                      {"p99_9", ms(h.percentile(99.9))}, {"max", ms(h.max())}};
  if (buckets) {
    const auto p = h.parts();
    nlohmann::json b = nlohmann::json::array();
    for (auto& [i, n] : p.buckets) b.push_back({i, n});
    j["buckets"] = {{"b", b}, {"min", p.min}, {"max", p.max}, {"sum", p.sum}};
  }
  return j;
}

Histogram hist_from(const nlohmann::json& j) {
  if (!j.contains("buckets")) return Histogram{};
  const auto& b = j.at("buckets");
  Histogram::Parts p;
  for (auto& e : b.at("b")) p.buckets.emplace_back(e.at(0).get<std::size_t>(), e.at(1).get<std::uint64_t>());
  p.min = b.at("min").get<std::uint64_t>();
  p.max = b.at("max").get<std::uint64_t>();
  p.sum = b.at("sum").get<double>();
  return Histogram::from_parts(p);
}

std::string hist_line(const char* name, const Histogram& h) {
  if (h.count() == 0) return fmt::format("  {:<9} -\n", name);
  return fmt::format("  {:<9} min {:.3f}  p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  max {:.3f}  (ms, n={})\n",
                     name, ms(h.min()), ms(h.percentile(50)), ms(h.percentile(90)),
                     ms(h.percentile(99)), ms(h.max()), h.count());
}

}  // namespace

std::string hub_report_json(const HubStats& s, const HubRunInfo& r, bool with_buckets) {
  nlohmann::json j;
  j["mode"] = r.mode;
  j["protocol"] = r.protocol;
  j["connections"] = r.connections;
  j["processes"] = r.processes;
  j["threads"] = r.threads;
  j["channels"] = r.channels;
  j["elapsed_s"] = r.elapsed_s;
  nlohmann::json err = nlohmann::json::object();
  for (std::size_t k = 0; k < s.errors.size(); ++k) err[hub_error_name(HubError(k))] = s.errors[k];
  j["errors"] = err;
  j["times_us"] = {{"start", s.start_us},
                   {"ready", s.ready_us},
                   {"first_delivery", s.first_delivery_us},
                   {"last_delivery", s.last_delivery_us},
                   {"last_publish", s.last_publish_us}};
  if (r.mode == "pub") {
    if (r.rate > 0) j["rate"] = r.rate;
    j["payload_bytes"] = r.payload;
    const double secs = r.elapsed_s > 0 ? r.elapsed_s : 1e-9;
    j["publish"] = {{"succeeded", s.published},
                    {"failed", s.publish_failed},
                    {"unfinished", s.publish_unfinished},
                    {"per_second", double(s.published) / secs}};
    nlohmann::json st = nlohmann::json::object();
    for (auto& [code, n] : s.status) st[std::to_string(code)] = n;
    j["status"] = st;
    j["latency_ms"] = hist_json(s.latency, with_buckets);
    j["connect_ms"] = hist_json(s.connect, with_buckets);
    j["subscribers"] = {{"attempted", s.attempted}, {"established", s.established}};
  } else {
    j["subscribers"] = {{"attempted", s.attempted},
                        {"established", s.established},
                        {"failed", s.failed()},
                        {"closed", s.closed},
                        {"unfinished", s.unfinished},
                        {"connects_per_second", s.connects_per_s()}};
    j["deliveries"] = {{"total", s.deliveries},
                       {"per_second", s.deliveries_per_s()},
                       {"bytes", s.bytes},
                       {"other_messages", s.other_messages}};
    nlohmann::json st = nlohmann::json::object();
    for (auto& [code, n] : s.status) st[std::to_string(code)] = n;
    j["refused_status"] = st;
    j["delivery_ms"] = hist_json(s.delivery, with_buckets);
    j["connect_ms"] = hist_json(s.connect, with_buckets);
  }
  return j.dump(2) + "\n";
}

std::string hub_report_text(const HubStats& s, const HubRunInfo& r) {
  std::string o;
  std::string err;
  for (std::size_t k = 0; k < s.errors.size(); ++k)
    err += fmt::format(" {} {}", hub_error_name(HubError(k)), s.errors[k]);
  if (r.mode == "pub") {
    const double secs = r.elapsed_s > 0 ? r.elapsed_s : 1e-9;
    o += fmt::format("publisher over {}, {} connections, {} channel(s), {} B payload{}\n",
                     r.protocol, r.connections, r.channels, r.payload,
                     r.rate > 0 ? fmt::format(", {:.0f} pubs/s requested", r.rate)
                                : std::string(", max rate"));
    o += fmt::format("finished in {:.3f}s, {:.2f} pubs/s\n", r.elapsed_s, double(s.published) / secs);
    o += fmt::format("publications: {} succeeded, {} failed, {} unfinished", s.published,
                     s.publish_failed, s.publish_unfinished);
    for (auto& [code, n] : s.status) o += fmt::format("  [{}: {}]", code, n);
    o += "\nerrors:" + err + "\n";
    o += hist_line("latency", s.latency);
    return o;
  }
  o += fmt::format("{} subscribers over {}, {} connections, {} process(es), {} channel(s)\n", r.mode,
                   r.protocol, r.connections, r.processes, r.channels);
  o += fmt::format("finished in {:.3f}s\n", r.elapsed_s);
  o += fmt::format(
      "subscribers: {} attempted, {} established, {} failed, {} closed early, {} unfinished; "
      "{:.0f} connects/s\n",
      s.attempted, s.established, s.failed(), s.closed, s.unfinished, s.connects_per_s());
  o += fmt::format("deliveries: {} ({:.0f}/s), {} other messages\n", s.deliveries,
                   s.deliveries_per_s(), s.other_messages);
  o += "errors:" + err;
  for (auto& [code, n] : s.status) o += fmt::format("  [refused {}: {}]", code, n);
  o += "\n";
  o += hist_line("delivery", s.delivery);
  o += hist_line("connect", s.connect);
  return o;
}

HubStats hub_stats_from_json(std::string_view text) {
  HubStats s;
  try {
    const auto j = nlohmann::json::parse(text);
    for (std::size_t k = 0; k < s.errors.size(); ++k)
      s.errors[k] = j.at("errors").value(hub_error_name(HubError(k)), std::uint64_t(0));
    const auto& t = j.at("times_us");
    s.start_us = t.at("start").get<std::int64_t>();
    s.ready_us = t.at("ready").get<std::int64_t>();
    s.first_delivery_us = t.at("first_delivery").get<std::int64_t>();
    s.last_delivery_us = t.at("last_delivery").get<std::int64_t>();
    s.last_publish_us = t.at("last_publish").get<std::int64_t>();
    s.connect = hist_from(j.at("connect_ms"));
    const auto& sub = j.at("subscribers");
    s.attempted = sub.at("attempted").get<std::uint64_t>();
    s.established = sub.at("established").get<std::uint64_t>();
    if (j.at("mode") == "pub") {
      const auto& p = j.at("publish");
      s.published = p.at("succeeded").get<std::uint64_t>();
      s.publish_failed = p.at("failed").get<std::uint64_t>();
      s.publish_unfinished = p.at("unfinished").get<std::uint64_t>();
      for (auto& [k, v] : j.at("status").items()) s.status[std::stoi(k)] = v.get<std::uint64_t>();
      s.latency = hist_from(j.at("latency_ms"));
    } else {
      s.closed = sub.at("closed").get<std::uint64_t>();
      s.unfinished = sub.at("unfinished").get<std::uint64_t>();
      const auto& d = j.at("deliveries");
      s.deliveries = d.at("total").get<std::uint64_t>();
      s.bytes = d.at("bytes").get<std::uint64_t>();
      s.other_messages = d.at("other_messages").get<std::uint64_t>();
      s.delivery = hist_from(j.at("delivery_ms"));
      if (j.contains("refused_status"))
        for (auto& [k, v] : j.at("refused_status").items()) s.status[std::stoi(k)] = v.get<std::uint64_t>();
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("bad worker report: ") + e.what());
  }
  return s;
}

}  // namespace strata::tools::load

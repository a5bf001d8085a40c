#include "tools/plan/metrics_reader.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace strata::tools::plan {

namespace asio = boost::asio;

std::map<std::string, double, std::less<>> parse_prometheus(std::string_view text) {
  std::map<std::string, double, std::less<>> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    auto name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    auto name = line.substr(0, name_end);
    auto value_at = line[name_end] == '{' ? line.find("} ", name_end) : name_end;
    if (value_at == std::string_view::npos) continue;
    auto value = line.substr(line[value_at] == '}' ? value_at + 2 : value_at + 1);
    auto sp = value.find(' ');
    if (sp != std::string_view::npos) value = value.substr(0, sp);
    const std::string v(value);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str()) continue;
    out[std::string(name)] += d;
  }
  return out;
}

std::string fetch_metrics(const std::string& url, double timeout_s) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) throw std::runtime_error("--from-metrics needs an http:// URL: " + url);
  auto rest = url.substr(kScheme.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (path == "/") path = "/metrics";
  std::string host = hostport, port = "80";
  if (auto colon = hostport.rfind(':'); colon != std::string::npos && hostport.find(']') < colon) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  } else if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);

  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  asio::ip::tcp::socket sock(io);
  std::string response;
  boost::system::error_code error;
  auto request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", path, hostport);
  resolver.async_resolve(host, port, [&](auto ec, auto results) {
    if (ec) { error = ec; return; }
    asio::async_connect(sock, results, [&](auto ec2, auto) {
      if (ec2) { error = ec2; return; }
      asio::async_write(sock, asio::buffer(request), [&](auto ec3, std::size_t) {
        if (ec3) { error = ec3; return; }
        asio::async_read(sock, asio::dynamic_buffer(response), [&](auto ec4, std::size_t) {
          if (ec4 && ec4 != asio::error::eof) error = ec4;
        });
      });
    });
  });
  io.run_for(std::chrono::milliseconds(static_cast<long>(timeout_s * 1000)));
  if (!io.stopped()) throw std::runtime_error(fmt::format("{}: no answer within {} s", url, timeout_s));
  if (error) throw std::runtime_error(fmt::format("{}: {}", url, error.message()));
  auto head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200", 0) != 0 || head_end == std::string::npos)
    throw std::runtime_error(fmt::format("{}: not a 200 response: {}", url, response.substr(0, response.find('\r'))));
  auto head = response.substr(0, head_end);
  auto body = response.substr(head_end + 4);
  // strata's admin answers with Content-Length; tolerate nothing else.
  if (head.find("chunked") != std::string::npos) throw std::runtime_error(url + ": chunked responses unsupported");
  return body;
}

namespace {
double get(const std::map<std::string, double, std::less<>>& m, std::string_view k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}
}  // namespace

Measured derive_measured(const std::map<std::string, double, std::less<>>& before,
                         const std::map<std::string, double, std::less<>>& after) {
  Measured m;
  m.requests = get(after, "strata_requests_total");
  m.cpu_seconds = get(after, "process_cpu_seconds_total");
  m.connections = get(after, "strata_connections_active") + get(after, "strata_quic_connections");
  m.interval_requests = m.requests - get(before, "strata_requests_total");
  const double d_cpu = m.cpu_seconds - get(before, "process_cpu_seconds_total");
  if (m.interval_requests > 0) {
    m.cpu_us_per_request = d_cpu / m.interval_requests * 1e6;
    m.note = fmt::format("CPU per request over the sampling interval ({:.0f} requests)", m.interval_requests);
  } else if (m.requests > 0) {
    m.cpu_us_per_request = m.cpu_seconds / m.requests * 1e6;
    m.note = fmt::format("no requests during the sampling interval: CPU per request since start "
                         "({:.0f} requests, includes startup and idle time)", m.requests);
  } else {
    m.note = "no requests served yet: CPU per request not measured";
  }
  const double ready = get(after, "strata_ready_resident_memory_bytes");
  const double resident = get(after, "process_resident_memory_bytes");
  if (m.connections >= kMinConnectionsForMemory && ready > 0 && resident > ready) {
    m.memory_per_connection = (resident - ready) / m.connections;
    m.note += fmt::format("; memory per connection = (resident {:.0f} - at ready {:.0f}) / {:.0f} open connections",
                          resident, ready, m.connections);
  } else {
    m.note += fmt::format("; memory per connection not measured ({:.0f} open connections: fewer than {:.0f}, "
                          "the process's other growth would dominate)", m.connections, kMinConnectionsForMemory);
  }
  return m;
}

}  // namespace strata::tools::plan

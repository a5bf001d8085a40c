#include "tools/load/runner.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <fmt/format.h>

#include "io/tls_client.hpp"
#include "tools/load/client_protocol.hpp"
#include "tools/load/hold.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

// Splits "Name: value" headers; throws on a malformed one.
std::vector<std::pair<std::string, std::string>> split_headers(const std::vector<std::string>& hs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& h : hs) {
    auto colon = h.find(':', 1);  // allow ":authority: x" style? skip the first char
    if (colon == std::string::npos || colon == 0)
      throw std::invalid_argument("bad header (want 'Name: value'): " + h);
    std::string v = h.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    out.emplace_back(h.substr(0, colon), v);
  }
  return out;
}

void build_requests(RunShared& g) {
  auto extra = split_headers(g.opt.headers);
  const bool post = !g.opt.body_file.empty();
  std::string host = g.target.authority;
  for (auto& [n, v] : extra)
    if (lower(n) == "host" || lower(n) == ":authority") host = v;
  for (auto& path : g.target.paths) {
    std::string r = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\n", post ? "POST" : "GET", path, host);
    bool ua = false;
    for (auto& [n, v] : extra) {
      const auto ln = lower(n);
      if (ln == "host" || ln[0] == ':') continue;
      if (ln == "user-agent") ua = true;
      r += n + ": " + v + "\r\n";
    }
    if (!ua) r += "User-Agent: strata-load\r\n";
    if (post) r += fmt::format("Content-Length: {}\r\n", g.body.size());
    r += "\r\n";
    r += g.body;
    g.h1_requests.push_back(std::move(r));

    std::vector<std::pair<std::string, std::string>> h2{
        {":method", post ? "POST" : "GET"},
        {":scheme", g.target.tls ? "https" : "http"},
        {":authority", host},
        {":path", path}};
    bool ua2 = false;
    for (auto& [n, v] : extra) {
      const auto ln = lower(n);
      if (ln == "host" || ln[0] == ':' || ln == "connection" || ln == "keep-alive" ||
          ln == "transfer-encoding" || ln == "upgrade")
        continue;
      if (ln == "user-agent") ua2 = true;
      h2.emplace_back(ln, v);
    }
    if (!ua2) h2.emplace_back("user-agent", "strata-load");
    if (post) h2.emplace_back("content-length", std::to_string(g.body.size()));
    g.h2_headers.push_back(std::move(h2));
  }
}

}  // namespace

int run_load(const LoadOptions& opt_in) {
  RunShared g;
  g.opt = opt_in;
  LoadOptions& opt = g.opt;
  try {
    if (opt.requests == 0 && opt.duration_s <= 0)
      throw std::invalid_argument("give -n requests or -D duration");
    if (opt.connections == 0) throw std::invalid_argument("-c must be >= 1");
    if (opt.threads == 0) opt.threads = 1;
    opt.threads = std::min(opt.threads, opt.connections);
    if (opt.streams == 0) opt.streams = 1;
    if (opt.hold_s >= 0 && opt.requests == 0)
      throw std::invalid_argument("--hold needs -n (connections are held once their requests are done)");
    if (opt.hold_s >= 0 && opt.rate > 0) throw std::invalid_argument("--hold works in closed loop only (no --rate)");
    if (!opt.ready_file.empty() && opt.hold_s < 0) throw std::invalid_argument("--ready-file needs --hold");
    if (opt.ramp_s < 0) throw std::invalid_argument("--ramp must be >= 0");
    if (opt.requests > 0 && opt.requests < opt.connections)
      opt.connections = unsigned(opt.requests);
    g.target = parse_target(opt.urls);
    if (!opt.body_file.empty()) {
      std::ifstream f(opt.body_file, std::ios::binary);
      if (!f) throw std::invalid_argument("cannot read body file " + opt.body_file);
      std::ostringstream ss;
      ss << f.rdbuf();
      g.body = ss.str();
    }
    build_requests(g);
    for (const auto& a : opt.sources) {
      boost::system::error_code aec;
      auto addr = asio::ip::make_address(a, aec);
      if (aec) throw std::invalid_argument("--source: not an IP address: " + a);
      g.sources.push_back(addr);
    }
    if (!g.sources.empty() && opt.protocol == ProtocolChoice::h3)
      throw std::invalid_argument("--source works with h1/h2 only");
    if (opt.protocol == ProtocolChoice::h3) {
      if (!g.target.tls) throw std::invalid_argument("--h3 needs an https:// URL");
      for (unsigned t = 0; t < opt.threads; ++t)
        g.quic_tls.push_back(std::make_shared<quic_client::ClientTls>(opt.verify_tls));
    } else if (g.target.tls) {
      std::vector<std::string> alpn;
      if (opt.protocol == ProtocolChoice::h1) alpn = {"http/1.1"};
      else if (opt.protocol == ProtocolChoice::h2) alpn = {"h2"};
      else alpn = {"h2", "http/1.1"};
      g.tls = io::make_client_tls_context(opt.verify_tls, alpn);
    }
    asio::io_context rio;
    asio::ip::tcp::resolver res(rio);
    boost::system::error_code ec;
    auto results = res.resolve(g.target.host, g.target.port, ec);
    if (ec) throw std::invalid_argument("cannot resolve " + g.target.host + ": " + ec.message());
    for (auto& e : results) g.endpoints.push_back(e.endpoint());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strata load: %s\n", e.what());
    return 1;
  }
  g.timeout = std::chrono::nanoseconds(std::int64_t(opt.timeout_s * 1e9));

  const unsigned nt = opt.threads;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<ThreadStats> stats(nt);
  std::vector<std::unique_ptr<ConnState>> conns;
  for (unsigned t = 0; t < nt; ++t) ios.push_back(std::make_unique<asio::io_context>(1));
  std::unique_ptr<HoldState> hold;  // destroyed before the io_contexts its timers use
  if (opt.hold_s >= 0) {
    std::vector<asio::io_context*> raw;
    for (auto& io : ios) raw.push_back(io.get());
    hold = std::make_unique<HoldState>(raw, opt.connections, opt.hold_s, opt.ready_file);
    g.hold = hold.get();
  }

  g.start = clock_type::now();
  if (opt.requests == 0) {
    g.measure_from = g.start + std::chrono::nanoseconds(std::int64_t(opt.warmup_s * 1e9));
    g.deadline = g.measure_from + std::chrono::nanoseconds(std::int64_t(opt.duration_s * 1e9));
  } else {
    g.measure_from = g.start;  // --warmup applies to duration mode only
  }
  for (unsigned i = 0; i < opt.connections; ++i) {
    std::uint64_t quota = 0;
    if (opt.requests)
      quota = opt.requests / opt.connections + (i < opt.requests % opt.connections ? 1 : 0);
    conns.push_back(std::make_unique<ConnState>(g, stats[i % nt], i, quota));
    asio::co_spawn(*ios[i % nt], run_connection(*conns.back()), asio::detached);
  }
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < nt; ++t) threads.emplace_back([&, t] { ios[t]->run(); });
  ios[0]->run();
  for (auto& th : threads) th.join();
  const auto end = clock_type::now();

  ThreadStats total;
  for (auto& s : stats) total.merge(s);
  RunInfo info;
  for (auto& c : conns)
    if (!c->protocol.empty()) {
      info.protocol = c->protocol;
      break;
    }
  if (info.protocol.empty()) info.protocol = "-";
  info.connections = opt.connections;
  info.threads = nt;
  info.streams = opt.streams;
  info.rate = opt.rate;
  if (opt.requests == 0) {
    info.elapsed_s = opt.duration_s;
  } else {
    const auto last = total.last_done_ns ? time_point(clock_type::duration(total.last_done_ns)) : end;
    info.elapsed_s = std::chrono::duration<double>(last - g.start).count();
  }
  const std::string out = opt.json ? report_json(total, info) : report_text(total, info);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return total.succeeded > 0 ? 0 : 2;
}

}  // namespace strata::tools::load

#include "tools/probe/probe_h3.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/probe/probe_tcp.hpp"  // addr_str
#include "tools/probe/tls_info.hpp"
#include "tools/quic_client/client_conn.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::probe {

namespace asio = boost::asio;
namespace qc = quic_client;

namespace {

using clock_type = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Drives the single request of an attempt and records its timings.
class ProbeListener final : public qc::ResponseListener {
 public:
  ProbeListener(Attempt& a, clock_type::time_point t0,
                std::vector<std::pair<std::string_view, std::string_view>> headers,
                qc::ClientTls& tls, asio::steady_timer& linger)
      : a_(a), t0_(t0), headers_(std::move(headers)), tls_(tls),
        tickets_at_start_(tls.tickets_received()), linger_(linger) {}

  void attach(qc::ClientConn& c) { conn_ = &c; }
  bool finished() const { return finished_; }
  bool complete() const { return finished_ && code_ == 0 && a_.status != 0; }
  std::uint64_t code() const { return code_; }

  void on_handshake(const qc::HandshakeInfo& i) override {
    a_.tls_done = since(clock_type::now());
    a_.tls_version = i.tls_version;
    a_.cipher = i.cipher;
    a_.alpn = i.alpn;
    a_.resumed = i.resumed;
    a_.early_data = i.early_data_attempted;
    a_.early_data_accepted = i.early_data_accepted;
  }
  void on_response_head(std::int64_t, int status) override {
    a_.status = status;
    if (a_.first_byte == 0) a_.first_byte = since(clock_type::now());
  }
  void on_header(std::int64_t, std::string_view n, std::string_view v) override {
    if (n == "alt-svc") a_.alt_svc = std::string(v);
  }
  void on_data(std::int64_t, std::size_t n) override { a_.body_bytes += n; }
  void on_close(std::int64_t, std::uint64_t code) override {
    if (code == qc::kEarlyDataRejected) {  // resubmitted after the handshake
      submitted_ = false;
      a_.status = 0;
      a_.first_byte = 0;
      a_.body_bytes = 0;
      a_.alt_svc.clear();
      return;
    }
    a_.done = since(clock_type::now());
    code_ = code;
    finished_ = true;
  }
  void on_writable() override {
    if (finished_) {
      // The timings are taken. Before closing, give the server a moment to
      // deliver a fresh session ticket (it may trail a 0-RTT response), so
      // the next attempt does not replay this one's ticket (servers refuse
      // 0-RTT on a reused ticket).
      if (tls_.tickets_received() != tickets_at_start_ || lingering_) {
        if (tls_.tickets_received() != tickets_at_start_) conn_->close();
        return;
      }
      lingering_ = true;
      const auto rtt = conn_->min_rtt();
      linger_.expires_after(std::min<std::chrono::nanoseconds>(
          std::chrono::milliseconds(200), 3 * rtt + std::chrono::milliseconds(20)));
      linger_.async_wait([c = conn_](boost::system::error_code ec) {
        if (!ec) c->close();
      });
      return;
    }
    if (submitted_ || !conn_->can_submit()) return;
    if (conn_->submit(headers_, {}) < 0) return;
    submitted_ = true;
    conn_->flush();
    a_.request_sent = since(clock_type::now());
  }

 private:
  double since(clock_type::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - t0_).count();
  }
  Attempt& a_;
  clock_type::time_point t0_;
  std::vector<std::pair<std::string_view, std::string_view>> headers_;
  qc::ClientTls& tls_;
  const std::uint64_t tickets_at_start_;
  asio::steady_timer& linger_;
  qc::ClientConn* conn_ = nullptr;
  bool lingering_ = false;
  bool submitted_ = false;
  bool finished_ = false;
  std::uint64_t code_ = 0;
};

}  // namespace

Attempt probe_h3(const ProbeOptions& opt, const load::Target& target, qc::ClientTls& tls) {
  Attempt a;
  a.quic = true;
  a.protocol = "h3";
  const auto t0 = clock_type::now();
  auto since = [&](clock_type::time_point t) {
    return std::chrono::duration<double, std::milli>(t - t0).count();
  };
  auto fail = [&](const char* phase, std::string msg) {
    a.failed_phase = phase;
    a.error = std::move(msg);
    return a;
  };
  if (!target.tls) return fail("request", "HTTP/3 needs an https:// URL");

  // DNS: one AF_UNSPEC lookup (A and AAAA), timed like the TCP probe's.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const int gai = ::getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &res);
  a.dns_done = since(clock_type::now());
  a.connect_done = a.dns_done;  // QUIC: no TCP connect
  if (gai != 0) return fail("dns", gai_strerror(gai));
  std::vector<asio::ip::udp::endpoint> eps;
  for (addrinfo* p = res; p; p = p->ai_next) {
    a.answers.emplace_back(p->ai_family == AF_INET ? "A" : "AAAA", addr_str(p->ai_addr));
    asio::ip::udp::endpoint ep;
    std::memcpy(ep.data(), p->ai_addr, p->ai_addrlen);
    ep.resize(p->ai_addrlen);
    eps.push_back(ep);
  }
  ::freeaddrinfo(res);
  if (eps.empty()) return fail("dns", "no address");
  a.remote = eps.front().address().to_string();

  std::vector<std::pair<std::string, std::string>> extra;
  for (auto& h : opt.headers) {
    auto colon = h.find(':', 1);
    if (colon == std::string::npos) continue;
    std::string v = h.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    const std::string n = lower(h.substr(0, colon));
    if (n == "host" || n == "connection" || n == "keep-alive" || n == "transfer-encoding" ||
        n == "upgrade")
      continue;
    extra.emplace_back(n, v);
  }
  std::vector<std::pair<std::string_view, std::string_view>> hv{
      {":method", "GET"}, {":scheme", "https"}, {":authority", target.authority},
      {":path", target.paths.front()}, {"user-agent", "strata-probe"}, {"accept", "*/*"}};
  for (auto& [n, v] : extra) hv.emplace_back(n, v);

  asio::io_context io(1);
  qc::ClientOptions co;
  co.sni = target.host;
  const auto budget = std::chrono::nanoseconds(std::int64_t(opt.timeout_s * 1e9));
  co.handshake_timeout = budget;
  asio::steady_timer linger(io);
  ProbeListener l(a, t0, std::move(hv), tls, linger);
  qc::ClientConn conn(io.get_executor(), co, tls, l);
  l.attach(conn);
  conn.set_capture_headers(true);
  asio::steady_timer deadline(io, t0 + budget);
  bool timed_out = false;
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    timed_out = true;
    conn.close();
  });
  asio::co_spawn(io, conn.run(eps.front()), [&](std::exception_ptr) {
    deadline.cancel();
    linger.cancel();
  });
  io.run();

  a.rtt_ms = std::chrono::duration<double, std::milli>(conn.min_rtt()).count();
  if (conn.handshake_done() && a.chain.empty()) collect_chain_der(conn.peer_certificates(), a);
  if (a.tls_version.empty()) {
    a.tls_done = since(clock_type::now());
    return fail("tls", timed_out ? "timeout" : conn.error().empty() ? "handshake failed"
                                                                     : conn.error());
  }
  a.verify = tls.verify() ? "ok" : "not checked";
  if (!l.finished())
    return fail("response", timed_out ? "timeout"
                            : conn.error().empty() ? "connection closed" : conn.error());
  if (!l.complete())
    return fail("response", a.status == 0 ? "stream reset by the server"
                                          : "response incomplete (stream reset)");
  return a;
}

}  // namespace strata::tools::probe

#include "tools/ws_probe/ws_probe_h3.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "codec/websocket/frame_writer.hpp"
#include "tools/load/options.hpp"
#include "tools/quic_client/client_conn.hpp"
#include "tools/quic_client/client_tls.hpp"

namespace strata::tools::ws_probe {

namespace asio = boost::asio;
namespace qc = quic_client;

namespace {

using clock_type = std::chrono::steady_clock;

// A masked client frame (RFC 6455 §5.2): FIN set, `opcode`, `payload`.
std::string client_frame(std::uint8_t opcode, std::string_view payload, std::mt19937& rng) {
  namespace ws = codec::websocket;
  ws::MaskKey key;
  for (auto& m : key) m = std::uint8_t(rng() & 0xff);
  std::string f;
  ws::append_frame(f, static_cast<ws::Opcode>(opcode), payload, true, false, &key);
  return f;
}

std::string json_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o.push_back('\\');
      o.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      o += ' ';
    } else {
      o.push_back(c);
    }
  }
  return o;
}

// Drives the tunnel stream (and the optional GET) on one connection.
class WsListener final : public qc::ResponseListener {
 public:
  WsListener(const WsProbeOptions& opt, const load::Target& t, asio::io_context& io)
      : opt_(opt), target_(t), io_(io), rng_(0x5eed) {
    payload_.resize(opt.bytes);
    for (auto& c : payload_) c = char(rng_() & 0xff);
  }
  void attach(qc::ClientConn& c) { conn_ = &c; }

  // --- results
  int status = 0;
  int connect_protocol = -1;
  std::size_t echoed = 0;
  std::size_t frames_in = 0;
  int close_code = -1;
  int get_status = 0;
  std::size_t get_bytes = 0;
  bool tunnel_ended = false;  // the server ended the stream cleanly after the close
  std::string error;
  bool ok() const {
    return error.empty() && status == 200 && echoed == payload_.size() && close_code == 1000 &&
           tunnel_ended && (opt_.get_path.empty() || get_status == 200);
  }

  void on_response_head(std::int64_t id, int st) override {
    if (id == get_) {
      get_status = st;
      return;
    }
    if (id != ws_) return;
    status = st;
    if (st != 200) return fail("extended CONNECT answered " + std::to_string(st));
    asio::post(io_, [this] { start(); });
  }
  void on_body(std::int64_t id, std::string_view d) override {
    if (id == get_) get_bytes += d.size();
    if (id != ws_ || !error.empty()) return;
    rx_.append(d);
    parse();
  }
  void on_data(std::int64_t, std::size_t) override {}
  void on_close(std::int64_t id, std::uint64_t code) override {
    if (id == get_) {
      get_done_ = true;
      if (code != 0) fail("GET stream reset (" + std::to_string(code) + ")");
    } else if (id == ws_) {
      ws_done_ = true;
      if (code == 0 && close_code >= 0) tunnel_ended = true;
      else if (error.empty()) fail("tunnel stream ended early (code " + std::to_string(code) + ")");
    }
    maybe_finish();
  }
  void on_writable() override {
    if (ws_ >= 0 || finishing_) return;
    connect_protocol = conn_->peer_enable_connect_protocol();
    if (connect_protocol < 0 || !conn_->can_submit()) return;  // SETTINGS not in yet
    if (connect_protocol != 1) return fail("server did not send SETTINGS_ENABLE_CONNECT_PROTOCOL=1");
    const std::vector<std::pair<std::string_view, std::string_view>> hs{
        {":method", "CONNECT"},        {":protocol", "websocket"},
        {":scheme", "https"},          {":path", target_.paths.front()},
        {":authority", target_.authority}, {"sec-websocket-version", "13"},
        {"user-agent", "strata-ws-probe"}};
    ws_ = conn_->submit_streaming(hs);
    if (ws_ < 0) return fail("cannot open the CONNECT stream");
    conn_->flush();
  }

 private:
  void fail(std::string why) {
    if (error.empty()) error = std::move(why);
    finishing_ = true;
    asio::post(io_, [c = conn_] { c->close(); });
  }
  void maybe_finish() {
    if (finishing_) return;
    if (ws_done_ && (opt_.get_path.empty() || get_done_)) {
      finishing_ = true;
      asio::post(io_, [c = conn_] { c->close(); });
    }
  }
  // 200 received: queue every frame (the client buffers them until acked),
  // and the optional GET beside the tunnel.
  void start() {
    if (finishing_) return;
    const std::size_t step = std::max<std::size_t>(1, opt_.frame_bytes);
    for (std::size_t off = 0; off < payload_.size(); off += step) {
      const std::string_view chunk = std::string_view(payload_).substr(off, step);
      if (!conn_->send_body(ws_, client_frame(2, chunk, rng_))) return fail("send_body failed");
    }
    if (payload_.empty()) send_close();
    if (!opt_.get_path.empty()) {
      const std::vector<std::pair<std::string_view, std::string_view>> hs{
          {":method", "GET"}, {":scheme", "https"}, {":authority", target_.authority},
          {":path", opt_.get_path}};
      get_ = conn_->submit(hs, {});
      if (get_ < 0) return fail("cannot open the GET stream");
    }
    conn_->flush();
  }
  void send_close() {
    if (close_sent_) return;
    close_sent_ = true;
    const std::string code{"\x03\xe8", 2};  // 1000, normal closure
    conn_->send_body(ws_, client_frame(8, code, rng_));
    conn_->flush();
  }
  // Consumes whole server frames from rx_.
  void parse() {
    for (;;) {
      if (rx_.size() < 2) return;
      const auto b0 = std::uint8_t(rx_[0]), b1 = std::uint8_t(rx_[1]);
      std::size_t p = 2;
      std::uint64_t n = b1 & 0x7f;
      const std::size_t ext = n == 126 ? 2 : n == 127 ? 8 : 0;
      if (rx_.size() < p + ext) return;
      if (ext) {
        n = 0;
        for (std::size_t i = 0; i < ext; ++i) n = (n << 8) | std::uint8_t(rx_[p + i]);
        p += ext;
      }
      if (b1 & 0x80) return fail("the server masked a frame");
      if (rx_.size() < p + n) return;
      const std::string_view body = std::string_view(rx_).substr(p, n);
      const std::uint8_t op = b0 & 0x0f;
      ++frames_in;
      if (op == 2 || op == 0) {
        if (echoed + n > payload_.size() ||
            body != std::string_view(payload_).substr(echoed, n))
          return fail("echo mismatch at byte " + std::to_string(echoed));
        echoed += n;
        if (echoed == payload_.size()) asio::post(io_, [this] { send_close(); });
      } else if (op == 8) {
        close_code = n >= 2 ? (std::uint8_t(body[0]) << 8) | std::uint8_t(body[1]) : 1005;
        asio::post(io_, [this] {  // the close handshake is done: end our side
          conn_->send_body(ws_, {}, true);
          conn_->flush();
        });
      } else if (op != 9 && op != 10) {
        return fail("unexpected opcode " + std::to_string(op));
      }
      rx_.erase(0, p + n);
    }
  }

  const WsProbeOptions& opt_;
  const load::Target& target_;
  asio::io_context& io_;
  std::mt19937 rng_;
  std::string payload_;
  std::string rx_;
  qc::ClientConn* conn_ = nullptr;
  std::int64_t ws_ = -1, get_ = -1;
  bool ws_done_ = false, get_done_ = false, close_sent_ = false, finishing_ = false;
};

}  // namespace

int run_ws_probe_h3(const WsProbeOptions& opt) {
  const auto t0 = clock_type::now();
  load::Target target;
  try {
    target = load::parse_target({opt.url});
  } catch (const std::exception& e) {
    std::printf("{\"ok\":false,\"error\":\"%s\"}\n", json_escape(e.what()).c_str());
    return 1;
  }
  if (!target.tls) {
    std::printf("{\"ok\":false,\"error\":\"HTTP/3 needs an https:// URL\"}\n");
    return 1;
  }
  asio::io_context io(1);
  asio::ip::udp::endpoint remote;
  try {
    asio::ip::udp::resolver r(io);
    remote = *r.resolve(target.host, target.port).begin();
  } catch (const std::exception& e) {
    std::printf("{\"ok\":false,\"error\":\"dns: %s\"}\n", json_escape(e.what()).c_str());
    return 1;
  }
  qc::ClientTls tls(opt.verify);
  qc::ClientOptions co;
  co.sni = target.host;
  const auto budget = std::chrono::nanoseconds(std::int64_t(opt.timeout_s * 1e9));
  co.handshake_timeout = budget;
  co.early_data = false;
  WsListener l(opt, target, io);
  qc::ClientConn conn(io.get_executor(), co, tls, l);
  l.attach(conn);
  asio::steady_timer deadline(io, t0 + budget);
  bool timed_out = false;
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    timed_out = true;
    conn.close();
  });
  asio::co_spawn(io, conn.run(remote), [&](std::exception_ptr) { deadline.cancel(); });
  io.run();

  std::string error = l.error;
  if (error.empty() && timed_out) error = "timeout";
  if (error.empty() && !l.ok()) error = conn.error().empty() ? "incomplete" : conn.error();
  const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
  const bool ok = error.empty() && l.ok();
  std::printf(
      "{\"ok\":%s,\"protocol\":\"h3\",\"status\":%d,\"connect_protocol\":%d,\"bytes\":%zu,"
      "\"bytes_echoed\":%zu,\"frames_received\":%zu,\"close_code\":%d,\"tunnel_ended\":%s,"
      "\"get_status\":%d,\"get_bytes\":%zu,\"elapsed_ms\":%.1f,\"error\":\"%s\"}\n",
      ok ? "true" : "false", l.status, l.connect_protocol, opt.bytes, l.echoed, l.frames_in,
      l.close_code, l.tunnel_ended ? "true" : "false", l.get_status, l.get_bytes, ms,
      json_escape(error).c_str());
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace strata::tools::ws_probe

#include "quic/endpoint.hpp"

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "quic/cid.hpp"
#include "quic/connection.hpp"
#include "quic/metrics.hpp"
#include "quic/secrets.hpp"
#include "quic/source_limits.hpp"
#include "quic/token.hpp"

namespace strata::quic {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::size_t kRecvSlots = 32;
constexpr std::size_t kRecvSize = 4096;      // larger datagrams are dropped (without GRO)
constexpr std::uint32_t kMaxResetsPerSecond = 1000;

std::string key_of(const std::uint8_t* p, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

SourceLimitsConfig limits_of(const config::Quic& q) {
  SourceLimitsConfig c;
  c.max_connections_per_source = q.max_connections_per_source;
  c.ipv4_prefix = std::uint8_t(q.ipv4_prefix);
  c.ipv6_prefix = std::uint8_t(q.ipv6_prefix);
  c.handshakes_per_second = q.handshakes_per_second;
  c.handshake_burst = q.handshake_burst;
  return c;
}

}  // namespace

// ---- EndpointGroup -------------------------------------------------------------

EndpointGroup::EndpointGroup(unsigned workers)
    : slots_(workers),
      limits_(std::make_unique<SourceLimits>(SourceLimitsConfig{}, core::SteadyClock::instance())),
      tokens_(std::make_unique<TokenIssuer>(
          std::span<const std::uint8_t>(Secrets::process().token.data(), Secrets::process().token.size()),
          core::SteadyClock::instance())) {}

EndpointGroup::~EndpointGroup() = default;

void EndpointGroup::set(unsigned worker, std::weak_ptr<Endpoint> ep, asio::any_io_executor ex) {
  std::lock_guard lk(mu_);
  if (worker < slots_.size()) slots_[worker] = {std::move(ep), std::move(ex)};
}

void EndpointGroup::configure(const config::Quic& q) { limits_->reconfigure(limits_of(q)); }

bool EndpointGroup::forward(unsigned worker, const io::Datagram& d) {
  std::shared_ptr<Endpoint> ep;
  {
    std::lock_guard lk(mu_);
    if (worker >= slots_.size()) return false;
    ep = slots_[worker].ep.lock();
  }
  if (!ep) return false;
  struct Copy {
    sockaddr_storage remote;
    socklen_t len;
    std::uint8_t ecn;
    std::vector<std::uint8_t> bytes;
  };
  auto c = std::make_shared<Copy>(Copy{d.remote, d.remote_len, d.ecn, {d.data.begin(), d.data.end()}});
  asio::post(ep->executor(), [ep, c] {
    io::Datagram dd;
    dd.remote = c->remote;
    dd.remote_len = c->len;
    dd.ecn = c->ecn;
    dd.data = std::span<std::uint8_t>(c->bytes.data(), c->bytes.size());
    ep->deliver(dd);
  });
  return true;
}

// ---- Endpoint --------------------------------------------------------------------

Endpoint::Endpoint(asio::any_io_executor ex, int fd, unsigned worker,
                   std::shared_ptr<EndpointGroup> group, std::shared_ptr<Host> host,
                   std::atomic<std::int64_t>& process_connections)
    : ex_(ex),
      sock_(ex),
      fd_(fd),
      worker_(worker),
      group_(std::move(group)),
      host_(std::move(host)),
      process_connections_(process_connections),
      batch_(kRecvSlots, io::enable_udp_gro(fd) ? io::kGroBufferSize : kRecvSize) {
  local_len_ = sizeof local_;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local_), &local_len_);
  sock_.assign(local_.ss_family == AF_INET6 ? udp::v6() : udp::v4(), fd);
}

Endpoint::~Endpoint() {
  boost::system::error_code ec;
  sock_.close(ec);
}

void Endpoint::start() {
  if (auto s = host_->settings(); s.quic) gso_ = s.quic->gso;
  asio::co_spawn(ex_, [self = shared_from_this()] { return self->recv_loop(); }, asio::detached);
}

asio::awaitable<void> Endpoint::recv_loop() {
  auto self = shared_from_this();
  while (sock_.is_open()) {
    auto [ec] = co_await sock_.async_wait(udp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
    if (ec || !sock_.is_open()) break;
    // Bounded: at most 8 batches per wakeup, then let other work run.
    for (int round = 0; round < 8 && sock_.is_open(); ++round) {
      int err = 0;
      auto got = batch_.receive(fd_, &err);
      if (got.empty()) break;
      for (auto& d : got) on_datagram(d);
    }
  }
}

void Endpoint::deliver(const io::Datagram& d) {
  if (!sock_.is_open()) return;
  on_datagram(d);
}

void Endpoint::on_datagram(const io::Datagram& d) {
  auto& m = Metrics::get();
  ngtcp2_version_cid vc{};
  int rv = ngtcp2_pkt_decode_version_cid(&vc, d.data.data(), d.data.size(), kServerCidLen);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    send_version_negotiation(d, vc.dcid, vc.dcidlen, vc.scid, vc.scidlen);
    return;
  }
  if (rv != 0) {
    m.dropped.inc();
    return;
  }
  const std::string_view key(reinterpret_cast<const char*>(vc.dcid), vc.dcidlen);
  if (auto it = by_cid_.find(key); it != by_cid_.end()) {
    auto c = it->second;  // keep alive while it runs
    c->on_datagram(d);
    return;
  }
  const bool long_header = (d.data[0] & 0x80) != 0;
  // A client's first packets (Initial, 0-RTT) carry a DCID the client made
  // up: never route those by its first byte.
  const bool client_chosen =
      long_header && vc.version == NGTCP2_PROTO_VER_V1 && (d.data[0] & 0x30) <= 0x10;
  auto owner = client_chosen ? std::nullopt
                             : cid_owner(std::span<const std::uint8_t>(vc.dcid, vc.dcidlen),
                                         group_->workers());
  if (owner && *owner != worker_) {
    // Ours by construction, another worker's connection: migration or NAT
    // rebinding moved the 4-tuple to this socket.
    if (group_->forward(*owner, d)) m.forwarded.inc();
    else m.dropped.inc();
    return;
  }
  if (!long_header) {
    send_stateless_reset(d, vc.dcid, vc.dcidlen);
    return;
  }
  accept(d, std::string(key));
}

void Endpoint::accept(const io::Datagram& d, const std::string& dcid_key) {
  auto& m = Metrics::get();
  ngtcp2_pkt_hd hd{};
  if (ngtcp2_accept(&hd, d.data.data(), d.data.size()) != 0) {
    m.dropped.inc();  // not an Initial we can start from (e.g. early 0-RTT): the client resends
    return;
  }
  if (draining_ || stopped_) {
    m.refused_draining.inc();
    send_refusal(d, &hd, NGTCP2_CONNECTION_REFUSED);
    return;
  }
  auto settings = host_ ? host_->settings() : ListenerSettings{};
  if (!settings.quic || !settings.tls) {
    m.dropped.inc();
    return;
  }
  const config::Quic& q = *settings.quic;
  const auto* remote = reinterpret_cast<const sockaddr*>(&d.remote);
  // Address validation: a Retry token proves the address (and carries the
  // original DCID); a NEW_TOKEN token from an earlier connection too.
  ngtcp2_cid odcid;
  bool have_odcid = false;
  bool validated = false;
  auto token = std::span<const std::uint8_t>(hd.token.base, hd.token.len);
  switch (TokenIssuer::classify(token)) {
    case TokenIssuer::Kind::retry: {
      auto o = group_->tokens().verify_retry(token, hd.version, remote, d.remote_len, hd.dcid,
                                             std::chrono::nanoseconds(q.retry_token_lifetime));
      if (!o) {
        m.tokens_rejected.inc();
        send_refusal(d, &hd, NGTCP2_INVALID_TOKEN);
        return;
      }
      odcid = *o;
      have_odcid = true;
      validated = true;
      break;
    }
    case TokenIssuer::Kind::regular:
      validated = group_->tokens().verify_regular(token, remote, d.remote_len,
                                                  std::chrono::nanoseconds(q.token_lifetime));
      if (!validated) m.tokens_rejected.inc();
      break;
    default:
      break;
  }
  if (!validated) {
    bool retry = q.retry == "always" || (q.retry == "under-load" && in_flight_ >= q.retry_threshold);
    if (retry) {
      send_retry(d, &hd);
      return;
    }
  }
  switch (group_->limits().admit(remote)) {
    case SourceLimits::Verdict::ok:
      break;
    case SourceLimits::Verdict::too_many_connections:
      m.refused_source.inc();
      send_refusal(d, &hd, NGTCP2_CONNECTION_REFUSED);
      return;
    case SourceLimits::Verdict::handshake_rate:
      m.refused_rate.inc();
      send_refusal(d, &hd, NGTCP2_CONNECTION_REFUSED);
      return;
    case SourceLimits::Verdict::tracked_full:
      m.refused_tracked.inc();
      send_refusal(d, &hd, NGTCP2_CONNECTION_REFUSED);
      return;
  }
  auto c = std::make_shared<Connection>(shared_from_this());
  if (!c->init(d, hd, have_odcid ? &odcid : nullptr, validated)) {
    group_->limits().closed(remote);
    m.handshakes_failed.inc();
    return;
  }
  conns_.emplace(c.get(), c);
  by_cid_[dcid_key] = c;
  ++in_flight_;
  m.connections.add();
  process_connections_.fetch_add(1, std::memory_order_relaxed);
  c->on_datagram(d);
}

io::SendResult Endpoint::send(const sockaddr* remote, socklen_t len, const std::uint8_t* data,
                              std::size_t n, std::size_t segment, std::size_t* sent) {
  if (!sock_.is_open()) {
    *sent = n;
    return io::SendResult::error;
  }
  return io::send_datagrams(fd_, remote, len, data, n, segment, 0, gso_, sent);
}

void Endpoint::wait_writable(std::shared_ptr<Connection> c) {
  blocked_.push_back(c);
  if (write_waiting_) return;
  write_waiting_ = true;
  asio::co_spawn(ex_, [self = shared_from_this()] { return self->write_waiter(); }, asio::detached);
}

asio::awaitable<void> Endpoint::write_waiter() {
  auto [ec] = co_await sock_.async_wait(udp::socket::wait_write, asio::as_tuple(asio::use_awaitable));
  write_waiting_ = false;
  std::vector<std::weak_ptr<Connection>> now;
  now.swap(blocked_);
  if (ec) co_return;
  for (auto& w : now)
    if (auto c = w.lock()) c->on_writable();
}

void Endpoint::add_cid(const std::uint8_t* cid, std::size_t len, const std::shared_ptr<Connection>& c) {
  by_cid_[key_of(cid, len)] = c;
}

void Endpoint::remove_cid(const std::uint8_t* cid, std::size_t len) {
  if (auto it = by_cid_.find(std::string_view(reinterpret_cast<const char*>(cid), len));
      it != by_cid_.end())
    by_cid_.erase(it);
}

void Endpoint::handshake_done(Connection&) {
  if (in_flight_) --in_flight_;
}

void Endpoint::closed(Connection& c) {
  auto it = conns_.find(&c);
  if (it == conns_.end()) return;
  auto& m = Metrics::get();
  if (!c.handshake_completed() && in_flight_) --in_flight_;
  // Drop the keys that name it: the client's original DCID and our current
  // CIDs (retired ones were removed as ngtcp2 retired them).
  auto drop = [&](const std::string& k) {
    if (auto f = by_cid_.find(k); f != by_cid_.end() && f->second.get() == &c) by_cid_.erase(f);
  };
  drop(c.client_dcid());
  for (const auto& k : c.scids()) drop(k);
  auto keep = it->second;  // destroyed after this call stack, not inside it
  conns_.erase(it);
  group_->limits().closed(c.source());
  m.connections.sub();
  process_connections_.fetch_sub(1, std::memory_order_relaxed);
  asio::post(ex_, [keep = std::move(keep), gone = gone_]() mutable {
    keep.reset();
    if (gone) gone();
  });
  maybe_finish();
}

void Endpoint::drain() {
  if (draining_) return;
  draining_ = true;
  std::vector<std::shared_ptr<Connection>> now;
  for (auto& [p, c] : conns_) now.push_back(c);
  for (auto& c : now) c->drain();
  maybe_finish();
}

void Endpoint::stop() {
  stopped_ = true;
  draining_ = true;
  std::vector<std::shared_ptr<Connection>> now;
  for (auto& [p, c] : conns_) now.push_back(c);
  for (auto& c : now) c->stop();
  maybe_finish();
}

void Endpoint::abandon() {
  stopped_ = draining_ = true;
  auto conns = std::move(conns_);
  auto cids = std::move(by_cid_);
  auto blocked = std::move(blocked_);
  conns_.clear();
  by_cid_.clear();
  blocked_.clear();
  boost::system::error_code ec;
  sock_.close(ec);
  host_.reset();
}

void Endpoint::maybe_finish() {
  if (!draining_ || !conns_.empty() || !sock_.is_open()) return;
  boost::system::error_code ec;
  sock_.close(ec);
  // Break the ListenerContext <-> Endpoint cycle; connections still alive
  // hold their own reference to the context. No connection is left, so no
  // connection ID may still name one.
  by_cid_.clear();
  host_.reset();
}

// ---- stateless packets ---------------------------------------------------------------

void Endpoint::send_version_negotiation(const io::Datagram& d, const std::uint8_t* dcid,
                                        std::size_t dcidlen, const std::uint8_t* scid,
                                        std::size_t scidlen) {
  std::array<std::uint32_t, 2> versions = {NGTCP2_PROTO_VER_V1, NGTCP2_PROTO_VER_V2_DRAFT};
  std::array<std::uint8_t, 256> buf;
  std::uint8_t unused = 0;
  RAND_bytes(&unused, 1);
  // The client's SCID becomes our DCID and vice versa.
  auto n = ngtcp2_pkt_write_version_negotiation(buf.data(), buf.size(), unused, scid, scidlen, dcid,
                                                dcidlen, versions.data(), versions.size());
  if (n <= 0) return;
  std::size_t sent = 0;
  send(reinterpret_cast<const sockaddr*>(&d.remote), d.remote_len, buf.data(), std::size_t(n),
       std::size_t(n), &sent);
  Metrics::get().version_negotiation.inc();
}

void Endpoint::send_stateless_reset(const io::Datagram& d, const std::uint8_t* dcid,
                                    std::size_t dcidlen) {
  auto& m = Metrics::get();
  // Never answer a packet with one as large (no loops between two
  // endpoints); skip tiny packets; bound the rate.
  constexpr std::size_t kMinReset = NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN + 5;
  if (d.data.size() <= kMinReset) {
    m.dropped.inc();
    return;
  }
  auto sec = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  if (sec != reset_second_) {
    reset_second_ = sec;
    resets_this_second_ = 0;
  }
  if (++resets_this_second_ > kMaxResetsPerSecond) {
    m.dropped.inc();
    return;
  }
  std::array<std::uint8_t, NGTCP2_STATELESS_RESET_TOKENLEN> token;
  if (!stateless_reset_token(token.data(), Secrets::process(),
                             std::span<const std::uint8_t>(dcid, dcidlen)))
    return;
  std::size_t randlen = std::min<std::size_t>(d.data.size() - 1 - token.size(), 40);
  std::array<std::uint8_t, 64> rnd;
  RAND_bytes(rnd.data(), int(randlen));
  std::array<std::uint8_t, 128> buf;
  auto n = ngtcp2_pkt_write_stateless_reset(buf.data(), buf.size(), token.data(), rnd.data(), randlen);
  if (n <= 0) return;
  std::size_t sent = 0;
  send(reinterpret_cast<const sockaddr*>(&d.remote), d.remote_len, buf.data(), std::size_t(n),
       std::size_t(n), &sent);
  m.stateless_resets.inc();
}

void Endpoint::send_retry(const io::Datagram& d, const void* hdp) {
  const auto& hd = *static_cast<const ngtcp2_pkt_hd*>(hdp);
  ngtcp2_cid scid;
  scid.datalen = kServerCidLen;
  if (!make_server_cid(scid.data, worker_)) return;
  auto token = group_->tokens().make_retry(hd.version, reinterpret_cast<const sockaddr*>(&d.remote),
                                           d.remote_len, scid, hd.dcid);
  if (token.empty()) return;
  std::array<std::uint8_t, NGTCP2_MAX_UDP_PAYLOAD_SIZE> buf;
  auto max = std::min(buf.size(), d.data.size() * 3);  // amplification limit
  auto n = ngtcp2_crypto_write_retry(buf.data(), max, hd.version, &hd.scid, &scid, &hd.dcid,
                                     token.data(), token.size());
  if (n <= 0) return;
  std::size_t sent = 0;
  send(reinterpret_cast<const sockaddr*>(&d.remote), d.remote_len, buf.data(), std::size_t(n),
       std::size_t(n), &sent);
  Metrics::get().retry_sent.inc();
}

void Endpoint::send_refusal(const io::Datagram& d, const void* hdp, std::uint64_t code) {
  const auto& hd = *static_cast<const ngtcp2_pkt_hd*>(hdp);
  std::array<std::uint8_t, NGTCP2_MAX_UDP_PAYLOAD_SIZE> buf;
  auto n = ngtcp2_crypto_write_connection_close(buf.data(), buf.size(), hd.version, &hd.scid,
                                                &hd.dcid, code, nullptr, 0);
  if (n <= 0) return;
  std::size_t sent = 0;
  send(reinterpret_cast<const sockaddr*>(&d.remote), d.remote_len, buf.data(), std::size_t(n),
       std::size_t(n), &sent);
}

}  // namespace strata::quic

// quic::Connection, output: packets out of ngtcp2 into GSO batches on the
// endpoint's socket, paced by ngtcp2 (lifetime, input, timers and the
// HTTP/3 glue are in connection.cpp; ngtcp2 callbacks in
// connection_callbacks.cpp).
#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/post.hpp>

#include "quic/connection.hpp"
#include "quic/endpoint.hpp"

namespace strata::quic {

namespace asio = boost::asio;

namespace {
// GSO batches one write() may send before it yields to the event loop.
constexpr std::size_t kMaxBatchesPerWrite = 16;
}  // namespace

// ---- output -------------------------------------------------------------------

void Connection::kick() {
  if (write_posted_ || closed_ || closing_) return;
  write_posted_ = true;
  asio::post(ep_->executor(), [self = shared_from_this()] {
    self->write_posted_ = false;
    self->write();
  });
}

bool Connection::send_batch(const sockaddr* to, socklen_t len, const std::uint8_t* data,
                            std::size_t n, std::size_t segment) {
  std::size_t sent = 0;
  auto r = ep_->send(to, len, data, n, segment, &sent);
  if (r == io::SendResult::ok) return true;
  if (r == io::SendResult::error) return true;  // lost: QUIC recovers like any loss
  pending_.assign(data + sent, data + n);
  pending_segment_ = segment;
  std::memcpy(&pending_to_, to, len);
  pending_to_len_ = len;
  ep_->wait_writable(shared_from_this());
  return false;
}

bool Connection::flush_pending() {
  if (pending_.empty()) return true;
  std::vector<std::uint8_t> p;
  p.swap(pending_);
  return send_batch(reinterpret_cast<const sockaddr*>(&pending_to_), pending_to_len_, p.data(),
                    p.size(), pending_segment_);
}

void Connection::on_writable() {
  if (closed_) return;
  write();
}

std::size_t Connection::pacing_budget(std::size_t batch) const {
  ngtcp2_conn_stat st{};
  ngtcp2_conn_get_conn_stat(conn_, &st);
  // Bytes per nanosecond, as ngtcp2_conn_update_pkt_tx_time computes it.
  double rate = st.pacing_rate;
  if (rate <= 0 && st.smoothed_rtt > 0) rate = double(st.cwnd) / double(st.smoothed_rtt) * 1.25;
  if (rate <= 0) return batch;
  return std::max(batch, std::size_t(rate * double(NGTCP2_MILLISECONDS)));
}

void Connection::write() {
  if (closed_ || closing_ || !conn_) return;
  if (!flush_pending()) return;
  const auto ts = now_ts();
  const std::size_t mtu = ngtcp2_conn_get_max_tx_udp_payload_size(conn_);
  const std::size_t quantum = ngtcp2_conn_get_send_quantum(conn_);
  // One GSO send carries at most 64 segments and 64 KiB.
  const std::size_t max_pkts =
      std::clamp<std::size_t>(std::min(quantum / mtu, std::size_t(65000) / mtu), 1, 64);
  // The endpoint's scratch buffer: writes are synchronous, and bytes the
  // socket does not take are copied to pending_.
  auto& out_ = ep_->scratch();
  if (out_.size() < mtu * max_pkts) out_.resize(mtu * max_pkts);
  ngtcp2_path_storage ps, batch_ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_path_storage_zero(&batch_ps);
  ngtcp2_pkt_info pi{};
  std::array<nghttp3_vec, 16> vec{};
  std::size_t off = 0, pkts = 0, segment = 0, batches = 0, sent = 0;
  const std::size_t budget = pacing_budget(std::size_t(mtu) * max_pkts);
  auto flush = [&](std::size_t end) {
    bool ok = send_batch(batch_ps.path.remote.addr, batch_ps.path.remote.addrlen, out_.data(), end,
                         segment);
    return ok;
  };
  for (;;) {
    std::int64_t sid = -1;
    bool fin = false;
    std::int64_t nvec = 0;
    if (app_ && ngtcp2_conn_get_max_data_left(conn_)) {
      nvec = app_->session().next_write(sid, fin, std::span<nghttp3_vec>(vec.data(), vec.size()));
      if (nvec < 0) {
        app_error_ = app_->session().error_code();
        fail(NGTCP2_ERR_CALLBACK_FAILURE);
        return;
      }
    }
    ngtcp2_ssize ndatalen = -1;
    std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    if (fin) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    auto n = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, out_.data() + off, mtu, &ndatalen,
                                       flags, sid, reinterpret_cast<const ngtcp2_vec*>(vec.data()),
                                       std::size_t(nvec), ts);
    if (n < 0) {
      if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
        app_->session().block(sid);
        continue;
      }
      if (n == NGTCP2_ERR_STREAM_SHUT_WR) {
        app_->session().shutdown_write(sid);
        continue;
      }
      if (n == NGTCP2_ERR_WRITE_MORE) {
        if (!app_->session().wrote(sid, std::size_t(ndatalen))) {
          app_error_ = app_->session().error_code();
          fail(NGTCP2_ERR_CALLBACK_FAILURE);
          return;
        }
        continue;
      }
      fail(int(n));
      return;
    }
    if (ndatalen >= 0 && sid >= 0 && !app_->session().wrote(sid, std::size_t(ndatalen))) {
      app_error_ = app_->session().error_code();
      fail(NGTCP2_ERR_CALLBACK_FAILURE);
      return;
    }
    if (n == 0) {  // nothing left, or limited by congestion/pacing
      if (off && !flush(off)) return;
      break;
    }
    if (pkts == 0) {
      ngtcp2_path_copy(&batch_ps.path, &ps.path);
      segment = std::size_t(n);
    } else if (!ngtcp2_path_eq(&batch_ps.path, &ps.path) || std::size_t(n) > segment) {
      // Another path (path validation) or a larger packet: send what we
      // have, then this packet on its own.
      if (!flush(off)) return;
      std::memmove(out_.data(), out_.data() + off, std::size_t(n));
      ngtcp2_path_copy(&batch_ps.path, &ps.path);
      segment = std::size_t(n);
      if (!flush(std::size_t(n))) return;
      off = 0;
      pkts = 0;
      break;
    }
    off += std::size_t(n);
    ++pkts;
    if (pkts == max_pkts || std::size_t(n) < segment) {
      if (!flush(off)) return;
      sent += off;
      off = 0;
      pkts = 0;
      // Pacing: one write sends up to ~1 ms of the pacing rate (ngtcp2 lets
      // packets go while their send time is within 1 ms); the update below
      // charges all of it, and the expiry timer brings the next burst.
      if (sent >= budget) break;
      if (++batches == kMaxBatchesPerWrite) {
        kick();  // budget left: let other connections and ACKs in first
        break;
      }
    }
  }
  ngtcp2_conn_update_pkt_tx_time(conn_, ts);
  if (app_ && app_->draining() && app_->idle() && handshake_done_) {
    close_now(true, NGHTTP3_H3_NO_ERROR, true);
    return;
  }
  arm_timer();
}

}  // namespace strata::quic

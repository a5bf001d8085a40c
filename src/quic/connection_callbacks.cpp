// The ngtcp2 C callbacks of a server connection (see connection.hpp): each
// forwards to the Connection, its HTTP/3 session or its Endpoint.
#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <openssl/rand.h>

#include <cstring>

#include "quic/cid.hpp"
#include "quic/connection.hpp"
#include "quic/endpoint.hpp"
#include "quic/metrics.hpp"
#include "quic/secrets.hpp"

namespace strata::quic {

namespace {

bool same_addr(const sockaddr* a, socklen_t al, const sockaddr* b, socklen_t bl) {
  return al == bl && std::memcmp(a, b, al) == 0;
}

}  // namespace

struct Connection::Callbacks {
  static Connection& self(void* ud) { return *static_cast<Connection*>(ud); }

  static int recv_stream_data(ngtcp2_conn*, std::uint32_t flags, std::int64_t sid, std::uint64_t,
                              const std::uint8_t* data, std::size_t len, void* ud, void*) {
    auto& c = self(ud);
    if (flags & NGTCP2_STREAM_DATA_FLAG_EARLY) c.early_streams_.insert(sid);
    if (!c.app_ && !c.setup_h3()) return NGTCP2_ERR_CALLBACK_FAILURE;
    if (!c.app_->session().receive(sid, std::span<const std::uint8_t>(data, len),
                                   (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0)) {
      c.app_error_ = c.app_->session().error_code();
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    return 0;
  }
  static int acked_stream_data_offset(ngtcp2_conn*, std::int64_t sid, std::uint64_t,
                                      std::uint64_t len, void* ud, void*) {
    auto& c = self(ud);
    if (c.app_ && !c.app_->session().acked(sid, len)) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int stream_close(ngtcp2_conn* conn, std::uint32_t flags, std::int64_t sid,
                          std::uint64_t code, void* ud, void*) {
    auto& c = self(ud);
    if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET)) code = NGHTTP3_H3_NO_ERROR;
    c.early_streams_.erase(sid);
    (void)conn;
    if (c.app_ && !c.app_->session().stream_closed(sid, code)) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int stream_reset(ngtcp2_conn*, std::int64_t sid, std::uint64_t, std::uint64_t code,
                          void* ud, void*) {
    auto& c = self(ud);
    if (c.app_ && !c.app_->session().peer_reset(sid, code)) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int stream_stop_sending(ngtcp2_conn*, std::int64_t sid, std::uint64_t code, void* ud,
                                 void*) {
    auto& c = self(ud);
    if (c.app_ && !c.app_->session().peer_stop_sending(sid, code))
      return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int extend_max_stream_data(ngtcp2_conn*, std::int64_t sid, std::uint64_t, void* ud,
                                    void*) {
    auto& c = self(ud);
    if (c.app_ && !c.app_->session().unblock(sid)) return NGTCP2_ERR_CALLBACK_FAILURE;
    return 0;
  }
  static int extend_max_remote_streams_bidi(ngtcp2_conn*, std::uint64_t max_streams, void* ud) {
    auto& c = self(ud);
    if (c.app_) c.app_->session().set_max_client_streams_bidi(max_streams);
    return 0;
  }
  static void rand(std::uint8_t* dest, std::size_t len, const ngtcp2_rand_ctx*) {
    if (RAND_bytes(dest, int(len)) != 1) std::memset(dest, 0, len);
  }
  static int get_new_connection_id(ngtcp2_conn*, ngtcp2_cid* cid, std::uint8_t* token,
                                   std::size_t cidlen, void* ud) {
    auto& c = self(ud);
    if (cidlen < kServerCidLen || !make_server_cid(cid->data, c.ep_->worker()))
      return NGTCP2_ERR_CALLBACK_FAILURE;
    cid->datalen = kServerCidLen;
    if (!stateless_reset_token(token, Secrets::process(),
                               std::span<const std::uint8_t>(cid->data, cid->datalen)))
      return NGTCP2_ERR_CALLBACK_FAILURE;
    c.ep_->add_cid(cid->data, cid->datalen, c.shared_from_this());
    return 0;
  }
  static int remove_connection_id(ngtcp2_conn*, const ngtcp2_cid* cid, void* ud) {
    self(ud).ep_->remove_cid(cid->data, cid->datalen);
    return 0;
  }
  static int path_validation(ngtcp2_conn*, std::uint32_t, const ngtcp2_path* path,
                             ngtcp2_path_validation_result res, void* ud) {
    auto& c = self(ud);
    auto& m = Metrics::get();
    if (res != NGTCP2_PATH_VALIDATION_RESULT_SUCCESS) {
      m.path_validation_failed.inc();
      return 0;
    }
    m.path_validation_ok.inc();
    if (!same_addr(path->remote.addr, path->remote.addrlen,
                   reinterpret_cast<const sockaddr*>(&c.remote_), c.remote_len_)) {
      m.migrations.inc();
      std::memcpy(&c.remote_, path->remote.addr, path->remote.addrlen);
      c.remote_len_ = path->remote.addrlen;
    }
    return 0;
  }
  static int handshake_completed(ngtcp2_conn*, void* ud) {
    self(ud).on_handshake_completed();
    return 0;
  }
  static int recv_tx_key(ngtcp2_conn*, ngtcp2_crypto_level level, void* ud) {
    if (level != NGTCP2_CRYPTO_LEVEL_APPLICATION) return 0;
    return self(ud).setup_h3() ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
  }
  static void write_qlog(void* ud, std::uint32_t, const void* data, std::size_t len) {
    auto& c = self(ud);
    if (c.qlog_) std::fwrite(data, 1, len, c.qlog_.get());
  }
};

ngtcp2_conn* Connection::crypto_get_conn(ngtcp2_crypto_conn_ref* ref) {
  auto* peer = static_cast<TlsPeer*>(ref->user_data);
  return static_cast<Connection*>(peer)->native();
}

ngtcp2_qlog_write Connection::qlog_writer() { return Callbacks::write_qlog; }

const ngtcp2_callbacks& Connection::callback_table() {
  static const ngtcp2_callbacks callbacks = [] {
    ngtcp2_callbacks cb{};
    cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.handshake_completed = Callbacks::handshake_completed;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = ngtcp2_crypto_decrypt_cb;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.recv_stream_data = Callbacks::recv_stream_data;
    cb.acked_stream_data_offset = Callbacks::acked_stream_data_offset;
    cb.stream_close = Callbacks::stream_close;
    cb.rand = Callbacks::rand;
    cb.get_new_connection_id = Callbacks::get_new_connection_id;
    cb.remove_connection_id = Callbacks::remove_connection_id;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.path_validation = Callbacks::path_validation;
    cb.stream_reset = Callbacks::stream_reset;
    cb.extend_max_stream_data = Callbacks::extend_max_stream_data;
    cb.extend_max_remote_streams_bidi = Callbacks::extend_max_remote_streams_bidi;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb.stream_stop_sending = Callbacks::stream_stop_sending;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    cb.recv_tx_key = Callbacks::recv_tx_key;
    return cb;
  }();
  return callbacks;
}


}  // namespace strata::quic

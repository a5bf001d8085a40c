// In-memory HTTP/3 test pair: an http3::ServerSession wired to an nghttp3
// client connection, with a fake QUIC layer that shuttles stream bytes
// both ways, acknowledges them (or holds the acks), closes streams once
// both directions are done, and turns STOP_SENDING/RESET_STREAM into the
// matching calls on the other side. Stream ids: client bidi 0,4,8..;
// client uni 2,6,10; server uni 3,7,11.
#pragma once
#include <nghttp3/nghttp3.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "codec/http3/server_session.hpp"
#include "config/config.hpp"
#include "conn/codec_metrics.hpp"
#include "http/headers.hpp"

namespace strata::codec::http3::test {

struct FakeQuic : QuicSide {
  std::map<StreamId, std::uint64_t> consumed_by;
  std::vector<std::pair<StreamId, std::uint64_t>> stops;   // STOP_SENDING sent
  std::vector<std::pair<StreamId, std::uint64_t>> resets;  // RESET_STREAM sent
  std::vector<StreamId> done;
  void consumed(StreamId sid, std::uint64_t n) override { consumed_by[sid] += n; }
  void shutdown_stream_read(StreamId sid, std::uint64_t code) override {
    stops.emplace_back(sid, code);
  }
  void reset_stream(StreamId sid, std::uint64_t code) override { resets.emplace_back(sid, code); }
  void stream_done(StreamId sid) override { done.push_back(sid); }
  bool stopped(StreamId sid, std::uint64_t code) const {
    for (auto& [s, c] : stops)
      if (s == sid && c == code) return true;
    return false;
  }
  bool reset(StreamId sid, std::uint64_t code) const {
    for (auto& [s, c] : resets)
      if (s == sid && c == code) return true;
    return false;
  }
};

struct Events : SessionEvents {
  std::vector<StreamId> requests;
  std::map<StreamId, int> wakes;
  std::function<void(StreamId)> on_req;
  void on_request(StreamId sid) override {
    requests.push_back(sid);
    if (on_req) on_req(sid);
  }
  std::function<void(StreamId)> on_wake;
  void on_stream_wake(StreamId sid, void*) override {
    ++wakes[sid];
    if (on_wake) on_wake(sid);
  }
  // Counted as the HTTP/3 driver does.
  void on_error(PeerError e) override { conn::codec_metrics::h3_error(e); }
};

// Client side of one request stream.
struct ClientStream {
  // request body source
  std::string body;
  std::size_t given = 0;
  bool body_eof = true;
  bool trailers = false;
  // response
  int status = 0;
  http::Headers headers;
  http::Headers resp_trailers;
  std::string resp_body;
  bool ended = false;
  bool closed = false;
  std::uint64_t close_code = 0;
};

class Pair {
 public:
  Pair(const config::Limits& limits, Settings settings = {})
      : server(limits, settings, ev, quic, clock) {
    nghttp3_callbacks cb{};
    cb.recv_header = &recv_header;
    cb.recv_trailer = &recv_trailer;
    cb.recv_data = &recv_data;
    cb.end_stream = &end_stream;
    cb.stream_close = &stream_close;
    cb.shutdown = &on_shutdown;
    nghttp3_settings s;
    nghttp3_settings_default(&s);
    s.qpack_max_dtable_capacity = 4096;
    s.qpack_blocked_streams = 100;
    nghttp3_conn_client_new(&client, &cb, &s, nghttp3_mem_default(), this);
    nghttp3_conn_bind_control_stream(client, 2);
    nghttp3_conn_bind_qpack_streams(client, 6, 10);
    ok = server.start(3, 7, 11);
    server.set_max_client_streams_bidi(1000);
  }
  ~Pair() { nghttp3_conn_del(client); }

  // Submits a request on client stream `sid`.
  ClientStream& request(StreamId sid, std::string_view method, std::string_view path,
                        std::vector<std::pair<std::string, std::string>> extra = {},
                        const std::string* body = nullptr, bool body_eof = true,
                        std::vector<std::pair<std::string, std::string>> trailers = {}) {
    auto& cs = streams[sid];
    std::vector<nghttp3_nv> nv;
    auto add = [&](std::string_view n, std::string_view v) {
      nv.push_back({(uint8_t*)n.data(), (uint8_t*)v.data(), n.size(), v.size(), 0});
    };
    add(":method", method);
    add(":scheme", "https");
    add(":authority", "example.com");
    add(":path", path);
    for (auto& [n, v] : extra) add(n, v);
    nghttp3_data_reader dr{&read_body};
    if (body) {
      cs.body = *body;
      cs.body_eof = body_eof;
      cs.trailers = !trailers.empty();
    }
    nghttp3_conn_submit_request(client, sid, nv.data(), nv.size(), body ? &dr : nullptr, &cs);
    if (!trailers.empty()) {
      nv.clear();
      for (auto& [n, v] : trailers) add(n, v);
      nghttp3_conn_submit_trailers(client, sid, nv.data(), nv.size());
    }
    return cs;
  }
  // More request body for a stream submitted with body_eof = false.
  void more_body(StreamId sid, std::string_view data, bool eof) {
    auto& cs = streams[sid];
    cs.body.append(data);
    cs.body_eof = eof;
    nghttp3_conn_resume_stream(client, sid);
  }
  // The client abandons `sid`: RESET_STREAM + STOP_SENDING.
  void client_reset(StreamId sid, std::uint64_t code) {
    nghttp3_conn_shutdown_stream_write(client, sid);
    client_done.insert(sid);
    server.peer_reset(sid, code);
    server.peer_stop_sending(sid, code);
    server.shutdown_write(sid);
    server_done.insert(sid);
    aborted.insert(sid);
  }

  // Moves bytes both ways until quiet (bounded). False on a connection error.
  bool pump() {
    std::size_t budget = max_write;
    for (int round = 0; round < 10000; ++round) {
      bool progress = false;
      // client -> server
      for (int i = 0; i < 1000; ++i) {
        int64_t sid = -1;
        int fin = 0;
        nghttp3_vec vec[16];
        auto n = nghttp3_conn_writev_stream(client, &sid, &fin, vec, 16);
        if (n < 0) return false;
        if (sid < 0) break;
        std::string data = join(vec, n);
        if (hold.count(sid)) {
          held[sid] += data;  // delivered later by release_held()
        } else {
          if (!server.receive(sid, {(const uint8_t*)data.data(), data.size()}, fin != 0))
            return false;
          delivered[sid] += data.size();
        }
        nghttp3_conn_add_write_offset(client, sid, data.size());
        nghttp3_conn_add_ack_offset(client, sid, data.size());
        if (fin) client_done.insert(sid);
        progress = true;
      }
      // server -> client
      for (int i = 0; i < 1000 && budget > 0; ++i) {
        StreamId sid = -1;
        bool fin = false;
        nghttp3_vec vec[16];
        auto n = server.next_write(sid, fin, vec);
        if (n < 0) return false;
        if (sid < 0) break;
        std::string data = join(vec, n);
        if (data.size() > budget) {  // QUIC takes a prefix (flow control)
          data.resize(budget);
          fin = false;
        }
        budget -= std::min(budget, std::max<std::size_t>(data.size(), 1));
        if (nghttp3_conn_read_stream(client, sid, (const uint8_t*)data.data(), data.size(),
                                     fin) < 0)
          return false;
        if (!server.wrote(sid, data.size())) return false;
        if (auto_ack) {
          if (!server.acked(sid, data.size())) return false;
        } else {
          unacked[sid] += data.size();
        }
        if (fin) server_done.insert(sid);
        progress = true;
      }
      // STOP_SENDING / RESET_STREAM from the server
      for (; stops_seen < quic.stops.size(); ++stops_seen) {
        auto [sid, code] = quic.stops[stops_seen];
        nghttp3_conn_shutdown_stream_write(client, sid);
        if (!client_done.count(sid)) {
          client_done.insert(sid);
          server.peer_reset(sid, code);  // the client answers with RESET_STREAM
        }
        aborted.insert(sid);
        progress = true;
      }
      for (; resets_seen < quic.resets.size(); ++resets_seen) {
        auto [sid, code] = quic.resets[resets_seen];
        nghttp3_conn_shutdown_stream_read(client, sid);
        server.shutdown_write(sid);
        server_done.insert(sid);
        aborted.insert(sid);
        streams[sid].close_code = code;
        progress = true;
      }
      // close request streams whose both directions are done
      for (StreamId sid : server_done) {
        if ((sid & 3) != 0 || closed.count(sid) || !client_done.count(sid)) continue;
        if (!aborted.count(sid) && unacked[sid] > 0) continue;
        std::uint64_t code = aborted.count(sid) ? kRequestCancelled : kNoError;
        closed.insert(sid);
        if (!server.stream_closed(sid, code)) return false;
        nghttp3_conn_close_stream(client, sid, code);
        progress = true;
      }
      if (!progress) return true;
    }
    return true;
  }

  // Delivers the bytes held back on (unidirectional) stream `sid`.
  bool release_held(StreamId sid) {
    hold.erase(sid);
    std::string data = std::move(held[sid]);
    delivered[sid] += data.size();
    return server.receive(sid, {(const uint8_t*)data.data(), data.size()}, false);
  }

  // Acknowledges `n` held bytes of `sid`.
  bool ack(StreamId sid, std::uint64_t n) {
    unacked[sid] -= n;
    return server.acked(sid, n);
  }

  core::FakeClock clock;
  Events ev;
  FakeQuic quic;
  ServerSession server;
  nghttp3_conn* client = nullptr;
  bool ok = false;
  bool auto_ack = true;
  std::size_t max_write = SIZE_MAX;  // stream bytes QUIC takes per pump() (all: no limit)
  std::map<StreamId, ClientStream> streams;
  std::map<StreamId, std::uint64_t> delivered;  // client -> server bytes per stream
  std::map<StreamId, std::uint64_t> unacked;    // server bytes not acked yet
  std::set<StreamId> client_done, server_done, closed, aborted;
  std::set<StreamId> hold;                      // client streams whose bytes are held back
  std::map<StreamId, std::string> held;
  std::size_t stops_seen = 0, resets_seen = 0;
  int64_t goaway_id = -1;

 private:
  static std::string join(const nghttp3_vec* v, std::int64_t n) {
    std::string s;
    for (std::int64_t i = 0; i < n; ++i) s.append((const char*)v[i].base, v[i].len);
    return s;
  }
  static Pair& me(void* u) { return *static_cast<Pair*>(u); }
  static std::string_view view(nghttp3_rcbuf* b) {
    auto v = nghttp3_rcbuf_get_buf(b);
    return {(const char*)v.base, v.len};
  }
  static nghttp3_ssize read_body(nghttp3_conn*, int64_t, nghttp3_vec* vec, size_t,
                                 uint32_t* flags, void*, void* su) {
    auto& cs = *static_cast<ClientStream*>(su);
    std::size_t n = cs.body.size() - cs.given;
    if (n == 0 && !cs.body_eof) return NGHTTP3_ERR_WOULDBLOCK;
    vec[0].base = (uint8_t*)cs.body.data() + cs.given;
    vec[0].len = n;
    cs.given += n;
    if (cs.body_eof) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      if (cs.trailers) *flags |= NGHTTP3_DATA_FLAG_NO_END_STREAM;
    }
    return n ? 1 : 0;
  }
  static int recv_header(nghttp3_conn*, int64_t sid, int32_t, nghttp3_rcbuf* n, nghttp3_rcbuf* v,
                         uint8_t, void* u, void*) {
    auto& cs = me(u).streams[sid];
    if (view(n) == ":status")
      cs.status = std::stoi(std::string(view(v)));
    else
      cs.headers.add(view(n), view(v));
    return 0;
  }
  static int recv_trailer(nghttp3_conn*, int64_t sid, int32_t, nghttp3_rcbuf* n,
                          nghttp3_rcbuf* v, uint8_t, void* u, void*) {
    me(u).streams[sid].resp_trailers.add(view(n), view(v));
    return 0;
  }
  static int recv_data(nghttp3_conn*, int64_t sid, const uint8_t* d, size_t len, void* u, void*) {
    me(u).streams[sid].resp_body.append((const char*)d, len);
    return 0;
  }
  static int end_stream(nghttp3_conn*, int64_t sid, void* u, void*) {
    me(u).streams[sid].ended = true;
    return 0;
  }
  static int stream_close(nghttp3_conn*, int64_t sid, uint64_t code, void* u, void*) {
    auto& cs = me(u).streams[sid];
    cs.closed = true;
    if (!cs.close_code) cs.close_code = code;
    return 0;
  }
  static int on_shutdown(nghttp3_conn*, int64_t id, void* u) {
    me(u).goaway_id = id;
    return 0;
  }
};

}  // namespace strata::codec::http3::test

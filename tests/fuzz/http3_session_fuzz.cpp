// Fuzzes the HTTP/3 server session (codec/http3 over nghttp3) with what a
// hostile peer controls: the bytes of its request streams, its control and
// QPACK encoder/decoder streams, their FIN flags and order. The input is a
// sequence of records: [selector byte][length byte][bytes...]. The selector
// picks the stream (client bidi 0,4,8,12 or client uni 2,6,10) and the FIN
// flag. Each request the session dispatches gets a small response, so
// QPACK encoding, DATA framing and acks run too.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <nghttp3/nghttp3.h>

#include "codec/http3/server_session.hpp"

namespace h3 = strata::codec::http3;

namespace {

struct Quic : h3::QuicSide {
  void consumed(h3::StreamId, std::uint64_t) override {}
  void shutdown_stream_read(h3::StreamId, std::uint64_t) override {}
  void reset_stream(h3::StreamId, std::uint64_t) override {}
};

struct Events : h3::SessionEvents {
  std::vector<h3::StreamId> requests;
  void on_request(h3::StreamId sid) override { requests.push_back(sid); }
  void on_stream_wake(h3::StreamId, void*) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const h3::StreamId kStreams[] = {0, 4, 8, 12, 2, 6, 10};
  Quic quic;
  Events ev;
  h3::Limits limits;
  limits.max_body = 4096;
  limits.max_header_bytes = 2048;
  limits.max_headers = 32;
  h3::ServerSession s(limits, h3::Settings{}, ev, quic);
  if (!s.start(3, 7, 11)) return 0;
  std::size_t off = 0;
  bool ok = true;
  while (ok && off + 2 <= size) {
    std::uint8_t sel = data[off], len = data[off + 1];
    off += 2;
    std::size_t n = std::min<std::size_t>(len, size - off);
    ok = s.receive(kStreams[sel % 7], std::span<const std::uint8_t>(data + off, n), (sel & 0x80) != 0);
    off += n;
    for (auto sid : ev.requests) {
      strata::http::Response r;
      r.status = 200;
      char buf[64];
      s.read_body(sid, std::span<char>(buf, sizeof buf));
      s.submit_response(sid, r, false);
      s.submit_data(sid, std::span<const char>("hello", 5), true);
    }
    // Drain the output, acking everything written.
    for (int i = 0; ok && i < 64; ++i) {
      h3::StreamId sid = -1;
      bool fin = false;
      nghttp3_vec vec[8];
      auto cnt = s.next_write(sid, fin, std::span<nghttp3_vec>(vec, 8));
      if (cnt < 0) {
        ok = false;
        break;
      }
      if (sid < 0) break;
      std::size_t bytes = 0;
      for (std::int64_t k = 0; k < cnt; ++k) bytes += vec[k].len;
      ok = s.wrote(sid, bytes) && s.acked(sid, bytes);
      if (bytes == 0 && !fin) break;
    }
    for (auto sid : ev.requests) s.release(sid);
    ev.requests.clear();
  }
  return 0;
}

// Fuzzes the HTTP/2 server session (codec/http2 over nghttp2) with what a
// hostile client controls: the frames after the connection preface, cut
// at arbitrary points, interleaved with what a handler does meanwhile.
// The input is a sequence of records [op byte][length byte][bytes...]:
//   op % 4 == 0..1  feed the bytes to receive()
//   op % 4 == 2     the application acts on every dispatched stream: read
//                   its body, answer (head, data, trailers or not) and
//                   release it, or reset it (choice from the op's high bits)
//   op % 4 == 3     graceful shutdown (GOAWAY) when op & 0x80, else nothing
// After each record the output is drained with send(), so HPACK encoding,
// flow control, DATA framing and the abuse limits all run. The client
// preface and an empty SETTINGS frame are fed first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/http2/server_session.hpp"

namespace h2 = strata::codec::http2;

namespace {

struct Events : h2::SessionEvents {
  std::vector<h2::StreamId> requests;
  void on_request(h2::StreamId sid) override { requests.push_back(sid); }
  void on_stream_wake(h2::StreamId, void*) override {}
};

void act(h2::ServerSession& s, h2::StreamId sid, std::uint8_t how) {
  char buf[128];
  while (s.read_body(sid, std::span<char>(buf, sizeof buf)) > 0) {
  }
  (void)s.body_state(sid);
  (void)s.request_trailers(sid);
  switch (how % 4) {
    case 0: {
      strata::http::Response r;
      r.status = 200;
      r.headers.add("content-type", "text/plain");
      s.submit_response(sid, r, false);
      s.submit_data(sid, std::span<const char>("hello", 5), true);
      break;
    }
    case 1: {
      strata::http::Response r;
      r.status = 100;
      s.submit_interim(sid, r);
      r.status = 204;
      s.submit_response(sid, r, true);
      break;
    }
    case 2: {
      strata::http::Response r;
      r.status = 200;
      s.submit_response(sid, r, false);
      std::string big(40000, 'x');  // more than one window
      s.submit_data(sid, std::span<const char>(big.data(), big.size()), false);
      strata::http::Headers t;
      t.add("grpc-status", "0");
      s.submit_trailers(sid, t);
      break;
    }
    default:
      s.reset(sid, h2::kInternalError);
      break;
  }
  s.release(sid);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char kPreface[] =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
      "\x00\x00\x00\x04\x00\x00\x00\x00\x00";  // empty SETTINGS
  Events ev;
  h2::Limits limits;
  limits.max_body = 4096;
  limits.max_header_bytes = 2048;
  limits.max_headers = 32;
  limits.h2_max_concurrent_streams = 8;
  limits.h2_initial_window = 16384;
  limits.h2_connection_window = 65535;
  limits.h2_max_resets_per_second = 20;
  limits.h2_max_control_frames_per_second = 50;
  limits.h2_max_continuations = 8;
  h2::ServerSession s(limits, ev);
  s.start();
  bool ok = s.receive(std::span<const char>(kPreface, sizeof kPreface - 1));
  std::string out;
  std::size_t off = 0;
  while (ok && off + 2 <= size) {
    std::uint8_t op = data[off], len = data[off + 1];
    off += 2;
    std::size_t n = std::min<std::size_t>(len, size - off);
    switch (op % 4) {
      case 0:
      case 1:
        ok = s.receive(std::span<const char>(reinterpret_cast<const char*>(data + off), n));
        off += n;
        break;
      case 2:
        for (auto sid : ev.requests) act(s, sid, std::uint8_t(op >> 2));
        ev.requests.clear();
        break;
      default:
        if (op & 0x80) s.shutdown();
        break;
    }
    for (int i = 0; i < 16; ++i) {
      out.clear();
      if (!s.send(out, 16 * 1024)) ok = false;
      if (out.empty()) break;
    }
  }
  // Streams still held by the "application" are released before the end.
  for (auto sid : ev.requests) s.release(sid);
  return 0;
}

#include "tools/plan/header_cost.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include <nghttp2/nghttp2.h>
#include <nghttp3/nghttp3.h>

namespace strata::tools::plan {

namespace {

// The message's fields, with each varying field's value replaced by one of
// the same length that differs for message number `n`.
HeaderList instance(const HeaderSet& set, unsigned n) {
  HeaderList out = set.fields;
  for (auto& [name, value] : out) {
    if (std::find(set.varying.begin(), set.varying.end(), name) == set.varying.end()) continue;
    std::string v = value;
    // Overwrite the tail with n in base 36, keeping the length.
    static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (std::size_t i = v.size(); i > 0 && n > 0; --i, n /= 36) v[i - 1] = kDigits[n % 36];
    value = std::move(v);
  }
  return out;
}

// A deterministic base64url string: Huffman codes it like a real token.
std::string token_like(std::size_t n) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string s(n, 'A');
  for (std::size_t i = 0; i < n; ++i) s[i] = kB64[(i * 37 + 11) % 64];
  return s;
}

}  // namespace

std::size_t http1_head_bytes(const HeaderList& fields) {
  std::string method, path, status;
  std::size_t n = 0;
  for (const auto& [name, value] : fields) {
    if (name == ":method") method = value;
    else if (name == ":path") path = value;
    else if (name == ":status") status = value;
    else if (name == ":scheme") continue;
    else if (name == ":authority") n += 4 + 2 + value.size() + 2;  // "host: v\r\n"
    else n += name.size() + 2 + value.size() + 2;
  }
  if (!status.empty()) n += 9 + status.size() + 1 + 2 + 2;  // "HTTP/1.1 " CODE " OK\r\n"
  else n += method.size() + 1 + path.size() + 1 + 8 + 2;   // M " " P " HTTP/1.1\r\n"
  return n + 2;
}

HeaderCost hpack_cost(const HeaderSet& set) {
  nghttp2_hd_deflater* d = nullptr;
  if (nghttp2_hd_deflate_new(&d, 4096) != 0) throw std::runtime_error("nghttp2_hd_deflate_new");
  std::unique_ptr<nghttp2_hd_deflater, decltype(&nghttp2_hd_deflate_del)> guard(d, nghttp2_hd_deflate_del);
  auto encode = [&](unsigned n) {
    auto fields = instance(set, n);
    std::vector<nghttp2_nv> nva;
    for (auto& [k, v] : fields)
      nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(),
                     v.size(), NGHTTP2_NV_FLAG_NONE});
    std::vector<uint8_t> buf(nghttp2_hd_deflate_bound(d, nva.data(), nva.size()));
    auto rv = nghttp2_hd_deflate_hd(d, buf.data(), buf.size(), nva.data(), nva.size());
    if (rv < 0) throw std::runtime_error("nghttp2_hd_deflate_hd");
    return std::size_t(rv);
  };
  HeaderCost c;
  c.first = encode(1);
  c.steady = encode(2);
  return c;
}

HeaderCost qpack_cost(const HeaderSet& set, std::size_t dtable_capacity) {
  const nghttp3_mem* mem = nghttp3_mem_default();
  nghttp3_qpack_encoder* e = nullptr;
  if (nghttp3_qpack_encoder_new(&e, dtable_capacity, mem) != 0) throw std::runtime_error("qpack encoder");
  std::unique_ptr<nghttp3_qpack_encoder, decltype(&nghttp3_qpack_encoder_del)> guard(e, nghttp3_qpack_encoder_del);
  nghttp3_qpack_encoder_set_max_dtable_capacity(e, dtable_capacity);
  nghttp3_qpack_encoder_set_max_blocked_streams(e, 100);
  auto encode = [&](unsigned n, std::size_t* encoder_bytes) {
    auto fields = instance(set, n);
    std::vector<nghttp3_nv> nva;
    for (auto& [k, v] : fields)
      nva.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(),
                     v.size(), NGHTTP3_NV_FLAG_NONE});
    nghttp3_buf pbuf, rbuf, ebuf;
    nghttp3_buf_init(&pbuf);
    nghttp3_buf_init(&rbuf);
    nghttp3_buf_init(&ebuf);
    const int rv = nghttp3_qpack_encoder_encode(e, &pbuf, &rbuf, &ebuf, std::int64_t(4 * n), nva.data(), nva.size());
    const std::size_t size = nghttp3_buf_len(&pbuf) + nghttp3_buf_len(&rbuf);
    *encoder_bytes = nghttp3_buf_len(&ebuf);
    nghttp3_buf_free(&pbuf, mem);
    nghttp3_buf_free(&rbuf, mem);
    nghttp3_buf_free(&ebuf, mem);
    if (rv != 0) throw std::runtime_error("nghttp3_qpack_encoder_encode");
    // The peer's decoder acknowledges the section and the inserts before
    // the next message (one round trip later, long before at 0.5 req/s).
    nghttp3_qpack_encoder_ack_everything(e);
    return size;
  };
  HeaderCost c;
  std::size_t ignored = 0;
  c.first = encode(1, &c.encoder_stream_first);
  c.steady = encode(2, &ignored);
  return c;
}

HeaderSet default_request_headers(std::size_t body_bytes) {
  HeaderSet s;
  s.fields = {
      {":method", "POST"},
      {":scheme", "https"},
      {":authority", "api.example.com"},
      {":path", "/v1/orders/000000"},
      {"user-agent", "example-app/4.2.1 (Android 14; Pixel 8) okhttp/4.12.0"},
      {"accept", "application/json"},
      {"accept-encoding", "gzip, br"},
      {"content-type", "application/json"},
      {"content-length", std::to_string(body_bytes)},
      // A typical JWT: header.payload.signature, ~300 characters.
      {"authorization", "Bearer " + token_like(300)},
  };
  s.varying = {":path"};
  return s;
}

HeaderSet default_response_headers(std::size_t body_bytes) {
  HeaderSet s;
  s.fields = {
      {":status", "200"},
      {"content-type", "application/json"},
      {"content-length", std::to_string(body_bytes)},
      {"date", "Fri, 04 Dec 2026 15:30:00 GMT"},
      {"cache-control", "no-store"},
      {"x-request-id", "01JEXAMPLE0000000000000000"},
  };
  s.varying = {"date", "x-request-id"};
  return s;
}

}  // namespace strata::tools::plan

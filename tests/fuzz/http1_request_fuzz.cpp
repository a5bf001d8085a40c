// libFuzzer target: the HTTP/1 request-head parser and body decoder fed in
// random splits (the split sizes come from the input's first bytes), with
// pipelined requests parsed back to back like the connection driver does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/request_parser.hpp"
#include "codec/http1/response_serializer.hpp"

using namespace strata::codec::http1;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t split_a = std::size_t(data[0] % 64) + 1;
  std::size_t split_b = std::size_t(data[1] % 16) + 1;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);

  Limits limits;
  limits.max_request_line = 256;
  limits.max_header_bytes = 1024;
  limits.max_headers = 16;
  limits.max_body = 4096;

  RequestParser parser(limits);
  BodyDecoder decoder;
  strata::http::Request req;
  strata::http::Headers trailers;
  std::string buf;  // unconsumed bytes, like the connection's read buffer
  std::size_t fed = 0;
  int turn = 0;
  auto feed = [&] {
    std::size_t n = std::min(turn++ % 2 ? split_b : split_a, input.size() - fed);
    buf.append(input.substr(fed, n));
    fed += n;
    return n > 0;
  };

  for (int requests = 0; requests < 8; ++requests) {
    parser.start(&req);
    while (true) {
      auto r = parser.parse(buf);
      check(r.consumed <= buf.size());
      buf.erase(0, r.consumed);
      if (r.status == RequestParser::Status::error) {
        check(parser.error() != Error::none);
        int st = status(parser.error());
        check(st >= 400 && st < 600);
        return 0;
      }
      if (r.status == RequestParser::Status::done) break;
      if (!feed()) return 0;
    }
    check(!req.method.empty() && !req.target.empty());
    check(req.headers.size() <= limits.max_headers);
    if (parser.facts().chunked) decoder.start_chunked(limits, &trailers);
    else if (req.content_length) decoder.start_length(*req.content_length);
    else decoder.start_none();
    std::uint64_t body = 0;
    while (!decoder.done()) {
      auto s = decoder.step(buf, 1 + (turn % 97));
      check(s.consumed <= buf.size());
      if (s.status == BodyDecoder::Status::error) return 0;
      if (s.status == BodyDecoder::Status::data) body += s.data.size();
      buf.erase(0, s.consumed);
      if (s.status == BodyDecoder::Status::need_more && s.consumed == 0 && !feed()) return 0;
    }
    check(body <= limits.max_body);

    // The serializer must never emit CR/LF from request-derived values.
    strata::http::Response resp;
    resp.headers.add("x-target", req.target);
    for (const auto& h : req.headers) resp.headers.add(h.name, h.value);
    std::string out;
    serialize_head(resp, plan_framing(resp, false, req.protocol, true), HeadOptions{}, out);
    check(out.find("\r\n\r\n") == out.size() - 4);
  }
  return 0;
}

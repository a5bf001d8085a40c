// libFuzzer target: the HTTP/1 response-head parser and body decoder fed in
// random splits (split sizes and the HEAD bit come from the input's first
// bytes), with interim heads and keep-alive responses parsed back to back
// the way upstream/pool/h1_client does; then ResponseReader (the tools'
// driver) over the same bytes in one piece must agree on the first
// response's status, framing and outcome.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/response_parser.hpp"
#include "codec/http1/response_reader.hpp"

using namespace strata::codec::http1;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}

bool no_ctl(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t split_a = std::size_t(data[0] % 64) + 1;
  const std::size_t split_b = std::size_t(data[1] % 16) + 1;
  const bool head_request = data[2] & 1;
  const auto fields = (data[2] & 2) ? ResponseParser::Fields::end_to_end : ResponseParser::Fields::all;
  const std::string_view input(reinterpret_cast<const char*>(data + 3), size - 3);

  Limits limits;
  limits.max_request_line = 256;
  limits.max_header_bytes = 1024;
  limits.max_headers = 16;
  limits.max_body = 1 << 20;

  ResponseParser parser(limits);
  parser.set_fields(fields);
  BodyDecoder decoder;
  strata::http::Response resp;
  strata::http::Headers trailers;
  std::string buf;  // unconsumed bytes, like the upstream connection's buffer
  std::size_t fed = 0;
  int turn = 0;
  auto feed = [&] {
    const std::size_t n = std::min(turn++ % 2 ? split_b : split_a, input.size() - fed);
    buf.append(input.substr(fed, n));
    fed += n;
    return n > 0;
  };

  // The first response's outcome, for the comparison with ResponseReader.
  int first_status = 0;
  bool first_error = false, first_done = false;
  std::uint64_t first_body = 0;

  for (int responses = 0; responses < 8; ++responses) {
    parser.start(&resp, head_request);
    bool failed = false, head_done = false;
    for (;;) {  // heads: interim ones, then the final one
      const auto r = parser.parse(buf);
      check(r.consumed <= buf.size());
      buf.erase(0, r.consumed);
      if (r.status == ResponseParser::Status::error) {
        check(parser.error() != Error::none);
        failed = true;
        break;
      }
      if (r.status == ResponseParser::Status::need_more) {
        if (!feed()) break;
        continue;
      }
      check(resp.status >= 100 && resp.status <= 599);
      check(resp.headers.size() <= limits.max_headers);
      for (const auto& h : resp.headers) check(!h.name.empty() && no_ctl(h.name) && no_ctl(h.value));
      if (fields == ResponseParser::Fields::end_to_end)
        check(!resp.headers.has("transfer-encoding") && !resp.headers.has("connection"));
      if (!parser.facts().interim) {
        head_done = true;
        break;
      }
      check(resp.status < 200 && resp.status != 101);
      parser.next(&resp);
    }
    if (responses == 0) first_error = failed;
    if (failed || parser.error() != Error::none) break;
    if (!head_done) break;  // input ended inside a head
    const auto& f = parser.facts();
    if (responses == 0) first_status = resp.status;
    if (resp.status < 200 || resp.status == 204 || resp.status == 304 || head_request)
      check(f.body == BodyFraming::none);
    if (f.body == BodyFraming::until_close) check(!f.keep_alive);
    if (resp.status == 101) break;  // the connection is not HTTP any more

    parser.start_body(decoder, &trailers);
    std::uint64_t body = 0;
    bool eof = false;
    while (!decoder.done()) {
      const auto s = decoder.step(buf, 1 + std::size_t(turn % 97));
      check(s.consumed <= buf.size());
      if (s.status == BodyDecoder::Status::error) {
        check(decoder.error() != Error::none);
        if (responses == 0) first_error = true;
        break;
      }
      if (s.status == BodyDecoder::Status::data) {
        check(!s.data.empty() && s.data.size() <= 1 + std::size_t(turn % 97));
        body += s.data.size();
      }
      buf.erase(0, s.consumed);
      if (s.status == BodyDecoder::Status::need_more && s.consumed == 0 && !feed()) {
        eof = true;
        if (!decoder.finish_on_eof() && responses == 0) first_error = true;
        break;
      }
    }
    if (f.body == BodyFraming::length && decoder.done()) check(body == f.content_length);
    check(body <= limits.max_body);
    if (responses == 0) {
      first_done = decoder.done();
      first_body = body;
    }
    if (!decoder.done() || eof || !f.keep_alive) break;
  }

  // ResponseReader over the whole input (max_body unlimited there, so
  // compare only when the split run was not stopped by the body limit).
  ResponseReader reader(false, limits);
  reader.reset(head_request);
  std::size_t used = 0;
  auto st = reader.parse(input, used);
  check(used <= input.size());
  if (st == ResponseReader::Status::need_more) st = reader.finish_on_eof();
  if (st == ResponseReader::Status::error) check(!reader.error().empty());
  if (first_status != 0 && first_status != 101) {
    if (first_done) {
      check(st == ResponseReader::Status::done);
      check(reader.status() == first_status);
      check(reader.body_bytes() == first_body);
    }
    if (first_error && !first_done) check(st == ResponseReader::Status::error);
  } else if (first_error) {
    check(st == ResponseReader::Status::error);
  }
  return 0;
}

// libFuzzer target: redis::Reader (hiredis's reply reader building Reply
// values, with max_reply) fed in random splits.
// Input byte 0 picks max_reply (64 B .. 64 KiB), byte 1 the split sizes;
// the rest is the wire. Checks: a failure is sticky; every reply, encoded
// again as RESP, parses back to the same reply in one piece and in single
// bytes (reader and encoding agree); a reply's string bytes stay under
// max_reply.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "redis/reader.hpp"

using strata::redis::Reader;
using strata::redis::Reply;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void encode(const Reply& r, std::string& out) {
  switch (r.type) {
    case Reply::Type::nil: out += "$-1\r\n"; break;
    case Reply::Type::integer: out += ":" + std::to_string(r.integer) + "\r\n"; break;
    case Reply::Type::status: out += "+" + r.str + "\r\n"; break;
    case Reply::Type::error: out += "-" + r.str + "\r\n"; break;
    case Reply::Type::string: out += "$" + std::to_string(r.str.size()) + "\r\n" + r.str + "\r\n"; break;
    case Reply::Type::array:
      out += "*" + std::to_string(r.elements.size()) + "\r\n";
      for (const auto& e : r.elements) encode(e, out);
      break;
  }
}

bool same(const Reply& a, const Reply& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Reply::Type::nil: return true;
    case Reply::Type::integer: return a.integer == b.integer;
    case Reply::Type::array:
      if (a.elements.size() != b.elements.size()) return false;
      for (std::size_t i = 0; i < a.elements.size(); ++i)
        if (!same(a.elements[i], b.elements[i])) return false;
      return true;
    default: return a.str == b.str;
  }
}

std::size_t string_bytes(const Reply& r) {
  std::size_t n = r.str.size();
  for (const auto& e : r.elements) n += string_bytes(e);
  return n;
}

void round_trip(const Reply& r, std::uint64_t max_reply) {
  std::string wire;
  encode(r, wire);
  Reader whole(max_reply * 4 + 1024);
  whole.feed(wire.data(), wire.size());
  Reply back;
  check(whole.next(back) == Reader::Status::reply);
  check(same(r, back));
  check(whole.next(back) == Reader::Status::incomplete);
  if (wire.size() > 512) return;
  Reader bytes(max_reply * 4 + 1024);
  std::size_t got = 0;
  for (char c : wire) {
    bytes.feed(&c, 1);
    while (bytes.next(back) == Reader::Status::reply) ++got;
  }
  check(got == 1 && same(r, back));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint64_t max_reply = std::uint64_t(64) << (data[0] % 11);
  const unsigned split = 1 + data[1] % 64;
  std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);
  Reader r(max_reply);
  bool failed = false;
  for (std::size_t off = 0; off < wire.size();) {
    const std::size_t n = std::min<std::size_t>(split, wire.size() - off);
    r.feed(wire.data() + off, n);
    off += n;
    for (;;) {
      Reply x;
      const auto st = r.next(x);
      if (st == Reader::Status::incomplete) break;
      if (st != Reader::Status::reply) {
        check(!r.error().empty());
        failed = true;
        Reply y;
        check(r.next(y) == st);  // sticky
        break;
      }
      check(!failed);
      check(string_bytes(x) <= max_reply);
      round_trip(x, max_reply);
    }
    if (failed) break;
  }
  return 0;
}

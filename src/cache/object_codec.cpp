#include "cache/object_codec.hpp"

#include <cstring>

#include <zlib.h>

namespace strata::cache::codec {

namespace {

constexpr char kMagic[4] = {'S', 'T', 'O', '1'};
constexpr std::uint32_t kMaxCount = 1u << 20;  // fields, tags, vary members per object

std::uint32_t crc(std::string_view s) {
  uLong c = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large bodies in pieces.
  while (!s.empty()) {
    const std::size_t n = std::min<std::size_t>(s.size(), 1u << 30);
    c = crc32(c, reinterpret_cast<const Bytef*>(s.data()), uInt(n));
    s.remove_prefix(n);
  }
  return std::uint32_t(c);
}

void put_u8(std::string& o, std::uint8_t v) { o.push_back(char(v)); }
void put_u32(std::string& o, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) o.push_back(char((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& o, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) o.push_back(char((v >> (8 * i)) & 0xff));
}
void put_str(std::string& o, std::string_view s) {
  put_u32(o, std::uint32_t(s.size()));
  o.append(s);
}
std::int64_t to_us(WallTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
WallTime from_us(std::int64_t us) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::microseconds(us)));
}

std::uint32_t get_u32_at(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t(std::uint8_t(s[at + i])) << (8 * i);
  return v;
}
std::uint64_t get_u64_at(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t(std::uint8_t(s[at + i])) << (8 * i);
  return v;
}

// Bounds-checked reader over the metadata.
struct Reader {
  std::string_view s;
  std::size_t at = 0;
  bool ok = true;
  bool need(std::size_t n) {
    if (!ok || s.size() - at < n) ok = false;
    return ok;
  }
  std::uint8_t u8() {
    if (!need(1)) return 0;
    return std::uint8_t(s[at++]);
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    auto v = get_u32_at(s, at);
    at += 4;
    return v;
  }
  std::uint64_t u64() {
    if (!need(8)) return 0;
    auto v = get_u64_at(s, at);
    at += 8;
    return v;
  }
  std::string str() {
    const std::uint32_t n = u32();
    if (!need(n)) return {};
    std::string v(s.substr(at, n));
    at += n;
    return v;
  }
  std::uint32_t count() {
    const std::uint32_t n = u32();
    if (n > kMaxCount) ok = false;
    return ok ? n : 0;
  }
  std::vector<Field> fields() {
    std::vector<Field> v;
    const std::uint32_t n = count();
    for (std::uint32_t i = 0; i < n && ok; ++i) {
      Field f;
      f.name = str();
      f.value = str();
      v.push_back(std::move(f));
    }
    return v;
  }
};

std::string encode_meta(const Object& o) {
  std::string m;
  put_str(m, o.key);
  put_str(m, o.url);
  put_u32(m, std::uint32_t(o.vary.size()));
  for (const auto& f : o.vary) {
    put_str(m, f.name);
    put_str(m, f.value);
  }
  put_u8(m, o.vary_star ? 1 : 0);
  put_u32(m, std::uint32_t(o.status));
  put_u32(m, std::uint32_t(o.headers.size()));
  for (const auto& f : o.headers) {
    put_str(m, f.name);
    put_str(m, f.value);
  }
  put_u64(m, std::uint64_t(to_us(o.request_time)));
  put_u64(m, std::uint64_t(to_us(o.response_time)));
  put_u32(m, std::uint32_t(o.tags.size()));
  for (const auto& t : o.tags) put_str(m, t);
  return m;
}

// Decodes the metadata into `o` (body untouched); false when malformed.
bool decode_meta_into(std::string_view meta, Object& o) {
  Reader r{meta};
  o.key = r.str();
  o.url = r.str();
  o.vary = r.fields();
  o.vary_star = r.u8() != 0;
  o.status = int(r.u32());
  o.headers = r.fields();
  o.request_time = from_us(std::int64_t(r.u64()));
  o.response_time = from_us(std::int64_t(r.u64()));
  const std::uint32_t n = r.count();
  for (std::uint32_t i = 0; i < n && r.ok; ++i) o.tags.push_back(r.str());
  return r.ok && r.at == meta.size() && o.status >= 100 && o.status <= 999;
}

}  // namespace

std::string encode(const Object& obj) {
  const std::string meta = encode_meta(obj);
  const std::string_view body = obj.body ? std::string_view(*obj.body) : std::string_view();
  std::string out;
  out.reserve(kHeaderSize + meta.size() + body.size());
  out.append(kMagic, 4);
  put_u8(out, obj.invalidated ? kFlagInvalidated : 0);
  out.append(3, '\0');
  put_u32(out, std::uint32_t(meta.size()));
  put_u32(out, crc(meta));
  put_u64(out, body.size());
  put_u32(out, crc(body));
  put_u32(out, 0);
  out += meta;
  out.append(body);
  return out;
}

std::optional<Header> decode_header(std::string_view s) {
  if (s.size() < kHeaderSize || std::memcmp(s.data(), kMagic, 4) != 0) return std::nullopt;
  if (s[5] || s[6] || s[7] || get_u32_at(s, 28) != 0) return std::nullopt;
  Header h;
  h.flags = std::uint8_t(s[kFlagsOffset]);
  if (h.flags & ~kFlagInvalidated) return std::nullopt;
  h.meta_len = get_u32_at(s, 8);
  h.meta_crc = get_u32_at(s, 12);
  h.body_len = get_u64_at(s, 16);
  h.body_crc = get_u32_at(s, 24);
  if (h.body_len > (1ull << 48)) return std::nullopt;
  return h;
}

std::optional<Meta> decode_meta(const Header& h, std::string_view meta) {
  if (meta.size() != h.meta_len || crc(meta) != h.meta_crc) return std::nullopt;
  Object o;
  if (!decode_meta_into(meta, o)) return std::nullopt;
  Meta m;
  m.key = std::move(o.key);
  m.url = std::move(o.url);
  m.vary = std::move(o.vary);
  m.vary_star = o.vary_star;
  m.tags = std::move(o.tags);
  m.response_time = o.response_time;
  m.invalidated = (h.flags & kFlagInvalidated) != 0;
  m.file_bytes = h.file_bytes();
  return m;
}

std::optional<Object> decode(std::string_view file) {
  auto h = decode_header(file);
  if (!h || file.size() != h->file_bytes()) return std::nullopt;
  const std::string_view meta = file.substr(kHeaderSize, h->meta_len);
  const std::string_view body = file.substr(kHeaderSize + h->meta_len);
  if (crc(meta) != h->meta_crc || crc(body) != h->body_crc) return std::nullopt;
  Object o;
  if (!decode_meta_into(meta, o)) return std::nullopt;
  o.invalidated = (h->flags & kFlagInvalidated) != 0;
  o.body = make_body(std::string(body));  // a memfd when large (cache/body.hpp)
  return o;
}

}  // namespace strata::cache::codec

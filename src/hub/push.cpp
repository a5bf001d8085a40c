#include <zlib.h>

#include <charconv>
#include <chrono>
#include <mutex>

#include "hub/push_build.hpp"

namespace strata::hub {

struct Push::Lazy {
  std::once_flag once;
  std::string deflated;
};

namespace {

void append_u64(std::string& out, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// RFC 6455 5.2: FIN + text opcode, unmasked, with the shortest length form.
void append_frame_header(std::string& out, std::size_t len, bool rsv1) {
  out.push_back(char(0x81 | (rsv1 ? 0x40 : 0)));
  if (len < 126) {
    out.push_back(char(len));
  } else if (len <= 0xffff) {
    out.push_back(char(126));
    out.push_back(char(len >> 8));
    out.push_back(char(len & 0xff));
  } else {
    out.push_back(char(127));
    for (int i = 7; i >= 0; --i) out.push_back(char((std::uint64_t(len) >> (8 * i)) & 0xff));
  }
}

std::string text_frame(std::string_view payload, bool rsv1) {
  std::string f;
  f.reserve(payload.size() + 10);
  append_frame_header(f, payload.size(), rsv1);
  f.append(payload);
  return f;
}

// RFC 7692 7.2.1: raw DEFLATE, sync flush, the trailing 00 00 ff ff removed;
// a fresh stream per message (no context takeover).
std::string deflate_message(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out;
  out.resize(deflateBound(&z, uLong(in.size())) + 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = deflate(&z, Z_SYNC_FLUSH);
  std::size_t n = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_OK && rc != Z_BUF_ERROR) return {};
  if (n >= 4 && out.compare(n - 4, 4, std::string_view("\0\0\xff\xff", 4)) == 0) n -= 4;
  out.resize(n);
  if (out.empty()) out.push_back('\0');  // an empty message still needs one block
  return out;
}

std::shared_ptr<Push> new_push(Push::Kind kind, std::string_view channel) {
  auto p = std::make_shared<Push>();
  p->kind = kind;
  p->channel.assign(channel);
  p->lazy = std::make_shared<Push::Lazy>();
  return p;
}

void finish(Push& p) { p.ws_frame = text_frame(p.json, false); }

PushPtr make_presence_push(bool join, std::string_view channel, ClientId client, std::string_view user,
                           std::string_view info) {
  auto p = new_push(join ? Push::Kind::join : Push::Kind::leave, channel);
  std::string inner;
  inner.reserve(64 + user.size() + info.size());
  inner += "\"client\":\"";
  append_u64(inner, client);
  inner += "\",\"user\":";
  append_json_string(inner, user);
  if (join && !info.empty()) {
    inner += ",\"info\":";
    inner += info;
  }
  std::string_view kind = join ? "join" : "leave";
  p->json.reserve(inner.size() + channel.size() + 40);
  p->json += "{\"push\":{\"channel\":\"";
  p->json += channel;
  p->json += "\",\"";
  p->json += kind;
  p->json += "\":{";
  p->json += inner;
  p->json += "}}}";
  p->sse_event.reserve(inner.size() + channel.size() + 40);
  p->sse_event += "event: ";
  p->sse_event += kind;
  p->sse_event += "\ndata: {\"channel\":\"";
  p->sse_event += channel;
  p->sse_event += "\",";
  p->sse_event += inner;
  p->sse_event += "}\n\n";
  p->published_us = unix_us();
  finish(*p);
  return p;
}

}  // namespace

const std::string& Push::ws_frame_deflated() const {
  static const std::string none;
  if (!lazy) return none;
  std::call_once(lazy->once, [this] { lazy->deflated = text_frame(deflate_message(json), true); });
  return lazy->deflated;
}

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        } else {
          out.push_back(char(c));
        }
    }
  }
  out.push_back('"');
}

std::int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

PushPtr make_publication(std::string_view channel, std::uint64_t offset, std::string_view epoch,
                         std::string_view data, std::int64_t published_us, bool skip_to_latest) {
  auto p = new_push(Push::Kind::publication, channel);
  p->offset = offset;
  p->epoch.assign(epoch);
  p->published_us = published_us;
  p->skip_to_latest = skip_to_latest;
  // {"channel":C,"offset":N,"epoch":E,"data":D} is shared by both forms.
  std::string off;
  append_u64(off, offset);
  p->json.reserve(data.size() + channel.size() + epoch.size() + 64);
  p->json += "{\"push\":{\"channel\":\"";
  p->json += channel;
  p->json += "\",\"pub\":{\"offset\":";
  p->json += off;
  p->json += ",\"epoch\":";
  append_json_string(p->json, epoch);
  p->json += ",\"data\":";
  p->json += data;
  p->json += "}}}";
  p->sse_event.reserve(data.size() + channel.size() + 2 * epoch.size() + 80);
  p->sse_event += "id: ";
  p->sse_event += epoch;
  p->sse_event += ':';
  p->sse_event += off;
  p->sse_event += "\ndata: {\"channel\":\"";
  p->sse_event += channel;
  p->sse_event += "\",\"offset\":";
  p->sse_event += off;
  p->sse_event += ",\"epoch\":";
  append_json_string(p->sse_event, epoch);
  p->sse_event += ",\"data\":";
  p->sse_event += data;
  p->sse_event += "}\n\n";
  finish(*p);
  return p;
}

PushPtr make_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) {
  return make_presence_push(true, channel, client, user, info);
}

PushPtr make_leave(std::string_view channel, ClientId client, std::string_view user) {
  return make_presence_push(false, channel, client, user, {});
}

}  // namespace strata::hub

#include <charconv>
#include <chrono>
#include <mutex>

#include "codec/websocket/deflate.hpp"
#include "core/json_string.hpp"
#include "codec/websocket/frame_writer.hpp"
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

// The Push and its lazy part in one allocation: `lazy` is a non-owning
// pointer into the same block (its lifetime is the Push's).
struct PushBlock {
  Push push;
  Push::Lazy lazy;
};

std::shared_ptr<Push> new_push(Push::Kind kind, std::string_view channel) {
  auto block = std::make_shared<PushBlock>();
  std::shared_ptr<Push> p(block, &block->push);
  p->kind = kind;
  p->channel.assign(channel);
  p->lazy = std::shared_ptr<Push::Lazy>(std::shared_ptr<Push::Lazy>(), &block->lazy);
  return p;
}

void finish(Push& p) { p.ws_frame = codec::websocket::text_frame(p.json); }

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
  std::call_once(lazy->once, [this] { lazy->deflated = codec::websocket::deflated_frame(json); });
  return lazy->deflated;
}

void append_json_string(std::string& out, std::string_view s) { core::append_json_string(out, s); }

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

std::string_view publication_data(const Push& p) {
  if (p.kind != Push::Kind::publication) return {};
  // Channel names have no '"' and epochs are alphanumeric: the first
  // ,"data": is the field; the JSON ends with the three closing braces.
  std::string_view j = p.json;
  auto at = j.find(",\"data\":");
  if (at == std::string_view::npos || j.size() < at + 8 + 3) return {};
  return j.substr(at + 8, j.size() - at - 8 - 3);
}

PushPtr make_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info) {
  return make_presence_push(true, channel, client, user, info);
}

PushPtr make_leave(std::string_view channel, ClientId client, std::string_view user) {
  return make_presence_push(false, channel, client, user, {});
}

PushPtr make_resync(std::string_view channel, std::uint64_t offset, std::string_view epoch) {
  auto p = new_push(Push::Kind::resync, channel);
  p->offset = offset;
  p->epoch.assign(epoch);
  p->published_us = unix_us();
  std::string pos = "\"offset\":";
  append_u64(pos, offset);
  pos += ",\"epoch\":";
  append_json_string(pos, epoch);
  p->json += "{\"push\":{\"channel\":\"";
  p->json += channel;
  p->json += "\",\"subscribe\":{";
  p->json += pos;
  p->json += ",\"recovered\":false}}}";
  p->sse_event += "id: ";
  p->sse_event += epoch;
  p->sse_event += ':';
  append_u64(p->sse_event, offset);
  p->sse_event += "\nevent: subscribe\ndata: {\"channel\":\"";
  p->sse_event += channel;
  p->sse_event += "\",";
  p->sse_event += pos;
  p->sse_event += ",\"recovered\":false}\n\n";
  finish(*p);
  return p;
}

}  // namespace strata::hub

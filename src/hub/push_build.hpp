// Building a Push once on the channel's owner: the WebSocket protocol JSON,
// its unmasked text frame, the SSE event, and (lazily, once) the
// permessage-deflate frame. Formats: HUB_PLAN "Wire protocol" / docs/hub.md.
//   pub:   {"push":{"channel":C,"pub":{"offset":N,"epoch":E,"data":D}}}
//          SSE "id: E:N\ndata: {"channel":C,"offset":N,"epoch":E,"data":D}\n\n"
//   join:  {"push":{"channel":C,"join":{"client":"ID","user":U[,"info":I]}}}
//          SSE "event: join\ndata: {"channel":C,"client":"ID","user":U[,"info":I]}\n\n"
//   leave: same with "leave" (no info).
//   resync: {"push":{"channel":C,"subscribe":{"offset":N,"epoch":E,"recovered":false}}}
//          SSE "id: E:N\nevent: subscribe\ndata: {"channel":C,"offset":N,"epoch":E,"recovered":false}\n\n"
//          (the id moves the EventSource's Last-Event-ID to the new position)
// `data` and `info` are compact JSON texts (no raw newline), the caller
// validates them. Channel names need no escaping (channel_name.hpp); users
// are JSON-escaped.
// Thread: any; the result is immutable and shared across workers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/hub.hpp"

namespace strata::hub {

PushPtr make_publication(std::string_view channel, std::uint64_t offset, std::string_view epoch,
                         std::string_view data, std::int64_t published_us, bool skip_to_latest);
PushPtr make_join(std::string_view channel, ClientId client, std::string_view user, std::string_view info);
PushPtr make_leave(std::string_view channel, ClientId client, std::string_view user);
PushPtr make_resync(std::string_view channel, std::uint64_t offset, std::string_view epoch);

// The publication's `data` JSON text, a view into p.json (empty for
// join/leave pushes). For history replies: no JSON parse needed.
std::string_view publication_data(const Push& p);

// Appends `s` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view s);

// Unix time in microseconds (Push::published_us).
std::int64_t unix_us();

}  // namespace strata::hub

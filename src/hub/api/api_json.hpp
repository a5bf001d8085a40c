// JSON bodies of the publish API and the hub admin endpoints (docs/hub.md):
// the shapes of HUB_PLAN "Publish API" / "Admin listener". Compact JSON,
// no trailing newline. Pure functions; any thread.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub.hpp"

namespace strata::hub::api {

// {"error":{"code":C,"message":M}}; M defaults to error_message(e).
std::string error_body(Error e, std::string_view message = {});
// HTTP status for a hub error: 500 for Error::internal, 400 otherwise.
int error_status(Error e);

// Appends `s` as a JSON string literal.
void append_string(std::string& out, std::string_view s);

// {"offset":N,"epoch":E}
std::string position_json(const Position& p);
// {"clients":{"17":{"user":"u1","info":{...}}},"num_clients":1,"num_users":1}
std::string presence_json(const PresenceResult& r);
// {"offset":N,"epoch":E,"recovered":B,"publications":[{"offset":6,"data":...},..]}
std::string history_json(const HistoryResult& r);
// {"channels":[{"name":C,"subscribers":S,"offset":N,"epoch":E,"history":H},..]}
std::string channels_json(const std::vector<WorkerHub::ChannelInfo>& channels);

// The publication data inside a publication Push's `json` (the text after
// "data": in {"push":{"channel":C,"pub":{...,"data":D}}}); "null" when the
// push does not have that shape.
std::string_view publication_data(const Push& p);

}  // namespace strata::hub::api

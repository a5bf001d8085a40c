// The hub's admin endpoints (docs/hub.md "Operations"), served by the admin
// listener's handler (admin_handler.cpp):
//   GET /hub/channels            {"channels":[{"name":C,"subscribers":S,"offset":N,"epoch":E,"history":H},..]}
//                                every channel with state, gathered from all owners
//   GET /hub/presence?channel=C  {"clients":{"17":{"user":U,"info":{..}}},"num_clients":N,"num_users":N}
//                                400 {"error":{..}} for a bad channel or presence off in its namespace
// 404 when the process runs no hub (hub null). Auth is the admin handler's
// (admin.auth, admin/admin_auth.hpp), checked before these are reached.
// Thread: the worker of `hub`.
#pragma once
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace strata::http {
class Exchange;
}
namespace strata::hub {
class WorkerHub;
}

namespace strata::admin {

// True for the paths serve_hub_admin() answers ("/hub/channels", "/hub/presence").
bool is_hub_admin_path(std::string_view path);

// Answers a GET/HEAD on one of those paths; always finishes the exchange.
boost::asio::awaitable<void> serve_hub_admin(http::Exchange& ex, hub::WorkerHub* hub);

}  // namespace strata::admin

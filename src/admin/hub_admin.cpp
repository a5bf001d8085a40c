#include "admin/hub_admin.hpp"

#include <boost/url/parse_query.hpp>

#include "http/exchange.hpp"
#include "hub/api/api_json.hpp"
#include "hub/api/await_hub.hpp"
#include "hub/hub.hpp"

namespace strata::admin {

namespace asio = boost::asio;

bool is_hub_admin_path(std::string_view path) { return path == "/hub/channels" || path == "/hub/presence"; }

asio::awaitable<void> serve_hub_admin(http::Exchange& ex, hub::WorkerHub* hub) {
  auto& req = ex.request();
  if (!hub) {
    co_await http::respond(ex, 404, "no hub\n");
    co_return;
  }
  if (req.path() == "/hub/channels") {
    auto list = co_await hub::api::await_callback<std::vector<hub::WorkerHub::ChannelInfo>>(
        [&](std::function<void(std::vector<hub::WorkerHub::ChannelInfo>)> cb) { hub->channels(std::move(cb)); });
    co_await http::respond(ex, 200, hub::api::channels_json(list), "application/json");
    co_return;
  }
  std::string channel;
  if (auto params = boost::urls::parse_query(req.query()))
    for (auto p : *params)
      if (p.key.decode() == "channel" && p.has_value) channel = p.value.decode();
  if (channel.empty()) {
    co_await http::respond(ex, 400, hub::api::error_body(hub::Error::bad_request, "channel is required"),
                           "application/json");
    co_return;
  }
  auto r = co_await hub::api::await_callback<hub::PresenceResult>(
      [&](std::function<void(hub::PresenceResult)> cb) { hub->presence(channel, std::move(cb)); });
  if (r.error != hub::Error::none)
    co_await http::respond(ex, hub::api::error_status(r.error), hub::api::error_body(r.error), "application/json");
  else
    co_await http::respond(ex, 200, hub::api::presence_json(r), "application/json");
}

}  // namespace strata::admin

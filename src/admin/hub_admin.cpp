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
    const std::string body = hub::api::channels_json(list);
    co_await http::respond(ex, 200, body, "application/json");
    co_return;
  }
  std::string channel;
  if (const auto q = req.query(); !q.empty())
    if (auto params = boost::urls::parse_query(boost::core::string_view(q.data(), q.size())))
      for (auto p : *params)
        if (p.key.decode() == "channel" && p.has_value) channel = p.value.decode();
  if (channel.empty()) {
    const std::string body = hub::api::error_body(hub::Error::bad_request, "channel is required");
    co_await http::respond(ex, 400, body, "application/json");
    co_return;
  }
  auto r = co_await hub::api::await_callback<hub::PresenceResult>(
      [&](std::function<void(hub::PresenceResult)> cb) { hub->presence(channel, std::move(cb)); });
  const std::string body = r.error != hub::Error::none ? hub::api::error_body(r.error) : hub::api::presence_json(r);
  co_await http::respond(ex, r.error != hub::Error::none ? hub::api::error_status(r.error) : 200, body,
                         "application/json");
}

}  // namespace strata::admin

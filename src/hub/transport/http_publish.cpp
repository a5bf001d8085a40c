#include "hub/transport/http_publish.hpp"

#include <nlohmann/json.hpp>

#include "config/hub.hpp"
#include "hub/api/api_json.hpp"
#include "hub/api/await_hub.hpp"
#include "hub/api/http_body.hpp"
#include "hub/protocol/reply.hpp"
#include "hub/transport/session.hpp"

namespace strata::hub::transport {
namespace {

namespace asio = boost::asio;
using json = nlohmann::json;

// The publishing client as the hub's permission check sees it; it never
// subscribes, so it receives nothing.
class HttpPublisher final : public Client {
 public:
  HttpPublisher(ClientId id, std::string user) : Client(id, std::move(user), {}) {}
  void push(const PushPtr&, bool) override {}
  void disconnect(std::uint16_t, std::string_view) override {}
};

std::string_view bearer(const http::Request& r) {
  auto v = r.headers.get("authorization");
  if (!v) return {};
  std::string_view s = *v;
  if (s.size() > 7 && (s.substr(0, 7) == "Bearer " || s.substr(0, 7) == "bearer ")) return s.substr(7);
  return {};
}

int status_of(Error e) {
  switch (e) {
    case Error::unauthorized:
    case Error::token_expired: return 401;
    case Error::permission_denied: return 403;
    case Error::internal: return 500;
    default: return 400;
  }
}

asio::awaitable<void> fail(http::Exchange& ex, Error e, std::string_view message = {}, int status = 0) {
  const std::string body = api::error_body(e, message);
  co_await api::send_json(ex, status ? status : status_of(e), body);
}

}  // namespace

asio::awaitable<void> serve_http_publish(http::Exchange& ex, HubEnv& env) {
  const auto& cfg = env.hub->config();
  const std::size_t max = std::size_t(cfg.max_message) + 16 * 1024;  // data + envelope
  std::string token(bearer(ex.request()));
  if (token.empty()) token = parse_url_params(ex.request().target).token;
  std::string user;
  if (!token.empty()) {
    auth::TokenResult t;
    if (env.verifier) t = env.verifier->verify(token);
    else t.reason = "tokens are not configured";
    if (!t.ok()) {
      co_await fail(ex, t.error(), t.reason);
      co_return;
    }
    user = t.claims.user;
  }
  bool too_big = false;
  auto body = co_await api::read_body_bounded(ex, max, too_big);
  if (!body) {
    if (too_big) co_await fail(ex, Error::limit_exceeded, "body too large", 413);
    co_return;
  }
  json doc = json::parse(*body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("channel") || !doc["channel"].is_string() ||
      !doc.contains("data")) {
    co_await fail(ex, Error::bad_request, "expected {\"channel\": string, \"data\": JSON}");
    co_return;
  }
  HttpPublisher from(env.hub->next_client_id(), std::move(user));
  PublishRequest req{doc["channel"].get<std::string>(), doc["data"].dump(), &from};
  auto r = co_await api::await_callback<PublishResult>(
      [&](std::function<void(PublishResult)> cb) { env.hub->publish(std::move(req), std::move(cb)); });
  if (r.error != Error::none) {
    co_await fail(ex, r.error);
    co_return;
  }
  const std::string reply = "{\"result\":" + protocol::publish_result(r) + "}";
  co_await api::send_json(ex, 200, reply);
}

}  // namespace strata::hub::transport

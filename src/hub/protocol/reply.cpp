// Encoding replies and server-originated messages (protocol/reply.hpp).
#include "hub/protocol/reply.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace strata::hub::protocol {
namespace {

using json = nlohmann::json;

std::string str(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string position_fields(const Position& p) {
  return fmt::format("\"offset\":{},\"epoch\":{}", p.offset, str(p.epoch));
}

// The inner "pub" object of a publication push's JSON, or "null".
json pub_of(const Push& p) {
  json j = json::parse(p.json, nullptr, false);
  if (j.is_discarded()) return nullptr;
  auto push = j.find("push");
  if (push == j.end() || !push->is_object()) return nullptr;
  auto pub = push->find("pub");
  if (pub == push->end()) return nullptr;
  return *pub;
}

}  // namespace

std::string error_reply(std::uint64_t id, Error e, std::string_view message) {
  if (message.empty()) message = error_message(e);
  return fmt::format("{{\"id\":{},\"error\":{{\"code\":{},\"message\":{}}}}}", id,
                     static_cast<unsigned>(e), str(message));
}

std::string result_reply(std::uint64_t id, std::string_view result_json) {
  return fmt::format("{{\"id\":{},\"result\":{}}}", id, result_json);
}

std::string connect_result(ClientId client, std::string_view user, std::int64_t expires_in) {
  std::string s = fmt::format("{{\"client\":\"{}\",\"user\":{}", client, str(user));
  if (expires_in >= 0) s += fmt::format(",\"expires_in\":{}", expires_in);
  s += '}';
  return s;
}

std::string subscribe_result(const SubscribeResult& r, bool recoverable) {
  std::string s = "{" + position_fields(r.position) +
                  fmt::format(",\"recoverable\":{}", recoverable ? "true" : "false");
  if (r.recovery_asked)
    s += fmt::format(",\"recovered\":{},\"missed\":{}", r.recovered ? "true" : "false",
                     r.recovered ? r.missed.size() : 0);
  s += '}';
  return s;
}

std::string publish_result(const PublishResult& r) { return "{" + position_fields(r.position) + "}"; }

std::string presence_result(const PresenceResult& r) {
  json clients = json::object();
  for (const auto& e : r.clients) {
    json c{{"user", e.user}};
    if (!e.info.empty()) {
      json info = json::parse(e.info, nullptr, false);
      if (!info.is_discarded()) c["info"] = std::move(info);
    }
    clients[std::to_string(e.client)] = std::move(c);
  }
  json j{{"clients", clients}, {"num_clients", r.num_clients}, {"num_users", r.num_users}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string history_result(const HistoryResult& r) {
  json pubs = json::array();
  for (const auto& p : r.publications) {
    if (!p) continue;
    json pub = pub_of(*p);
    if (pub.is_null()) continue;
    json e{{"offset", p->offset}};
    if (auto d = pub.find("data"); d != pub.end()) e["data"] = *d;
    pubs.push_back(std::move(e));
  }
  json j{{"offset", r.position.offset},
         {"epoch", r.position.epoch},
         {"recovered", r.recovered},
         {"publications", std::move(pubs)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string subscribe_push(std::string_view channel, const SubscribeResult& r) {
  return fmt::format("{{\"push\":{{\"channel\":{},\"subscribe\":{{{},\"recovered\":{}}}}}}}",
                     str(channel), position_fields(r.position),
                     r.recovered ? "true" : "false");
}

std::string unsubscribe_push(std::string_view channel) {
  return fmt::format("{{\"push\":{{\"channel\":{},\"unsubscribe\":{{}}}}}}", str(channel));
}

std::string sse_connect(ClientId client, std::string_view user) {
  return fmt::format("event: connect\ndata: {{\"client\":\"{}\",\"user\":{}}}\n\n", client, str(user));
}

std::string sse_subscribe(std::string_view channel, const SubscribeResult& r) {
  return fmt::format("event: subscribe\ndata: {{\"channel\":{},{},\"recovered\":{}}}\n\n",
                     str(channel), position_fields(r.position), r.recovered ? "true" : "false");
}

std::string sse_disconnect(std::uint16_t code, std::string_view reason) {
  return fmt::format("event: disconnect\ndata: {{\"code\":{},\"reason\":{}}}\n\n", code, str(reason));
}

std::string sse_error(std::string_view channel, Error e) {
  return fmt::format("event: error\ndata: {{\"channel\":{},\"code\":{},\"message\":{}}}\n\n",
                     str(channel), static_cast<unsigned>(e), str(error_message(e)));
}

}  // namespace strata::hub::protocol

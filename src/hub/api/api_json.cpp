#include "hub/api/api_json.hpp"

#include "core/json_string.hpp"
#include "hub/push_build.hpp"

namespace strata::hub::api {

void append_string(std::string& out, std::string_view s) { core::append_json_string(out, s); }

std::string error_body(Error e, std::string_view message) {
  std::string out = "{\"error\":{\"code\":" + std::to_string(unsigned(e)) + ",\"message\":";
  append_string(out, message.empty() ? error_message(e) : message);
  out += "}}";
  return out;
}

int error_status(Error e) { return e == Error::internal ? 500 : 400; }

std::string position_json(const Position& p) {
  std::string out = "{\"offset\":" + std::to_string(p.offset) + ",\"epoch\":";
  append_string(out, p.epoch);
  out += '}';
  return out;
}

std::string presence_json(const PresenceResult& r) {
  std::string out = "{\"clients\":{";
  bool first = true;
  for (const auto& c : r.clients) {
    if (!first) out += ',';
    first = false;
    append_string(out, std::to_string(c.client));
    out += ":{\"user\":";
    append_string(out, c.user);
    if (!c.info.empty()) {
      out += ",\"info\":";
      out += c.info;  // compact JSON object (validated by the token verifier)
    }
    out += '}';
  }
  out += "},\"num_clients\":" + std::to_string(r.num_clients) +
         ",\"num_users\":" + std::to_string(r.num_users) + '}';
  return out;
}

std::string history_json(const HistoryResult& r) {
  std::string out = "{\"offset\":" + std::to_string(r.position.offset) + ",\"epoch\":";
  append_string(out, r.position.epoch);
  out += ",\"recovered\":";
  out += r.recovered ? "true" : "false";
  out += ",\"publications\":[";
  bool first = true;
  for (const auto& p : r.publications) {
    if (!p) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"offset\":" + std::to_string(p->offset) + ",\"data\":";
    const auto data = publication_data(*p);  // hub/push_build.hpp: a view into p->json
    out += data.empty() ? std::string_view("null") : data;
    out += '}';
  }
  out += "]}";
  return out;
}

std::string channels_json(const std::vector<WorkerHub::ChannelInfo>& channels) {
  std::string out = "{\"channels\":[";
  bool first = true;
  for (const auto& c : channels) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    append_string(out, c.name);
    out += ",\"subscribers\":" + std::to_string(c.subscribers) +
           ",\"offset\":" + std::to_string(c.position.offset) + ",\"epoch\":";
    append_string(out, c.position.epoch);
    out += ",\"history\":" + std::to_string(c.history) + '}';
  }
  out += "]}";
  return out;
}

}  // namespace strata::hub::api

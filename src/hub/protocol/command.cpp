// Parsing client commands (protocol/command.hpp).
#include "hub/protocol/command.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace strata::hub::protocol {
namespace {

using json = nlohmann::json;

struct MethodName {
  std::string_view name;
  Method method;
};
constexpr MethodName kMethods[] = {
    {"connect", Method::connect},   {"subscribe", Method::subscribe},
    {"unsubscribe", Method::unsubscribe}, {"publish", Method::publish},
    {"presence", Method::presence}, {"history", Method::history},
    {"ping", Method::ping},
};

// Thrown inside parse_command for a 107 answer.
struct BadParams {
  std::string message;
};

const json* get(const json& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

void only_keys(const json& params, std::initializer_list<std::string_view> keys) {
  for (auto it = params.begin(); it != params.end(); ++it) {
    bool ok = false;
    for (auto k : keys) ok = ok || it.key() == k;
    if (!ok) throw BadParams{"unknown field '" + it.key() + "'"};
  }
}

std::string string_field(const json& params, std::string_view key, bool required) {
  const json* v = get(params, key);
  if (!v) {
    if (required) throw BadParams{"missing '" + std::string(key) + "'"};
    return {};
  }
  if (!v->is_string()) throw BadParams{"'" + std::string(key) + "' must be a string"};
  return v->get<std::string>();
}

std::optional<Position> since_field(const json& params) {
  const json* v = get(params, "since");
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object()) throw BadParams{"'since' must be an object"};
  only_keys(*v, {"offset", "epoch"});
  const json* off = get(*v, "offset");
  const json* ep = get(*v, "epoch");
  if (!off || !off->is_number_unsigned()) throw BadParams{"'since.offset' must be an integer >= 0"};
  if (!ep || !ep->is_string()) throw BadParams{"'since.epoch' must be a string"};
  return Position{off->get<std::uint64_t>(), ep->get<std::string>()};
}

void fill(Command& c, const json& params, std::size_t max_data, Error& limit_error) {
  switch (c.method) {
    case Method::connect:
      only_keys(params, {"token"});
      c.token = string_field(params, "token", false);
      break;
    case Method::subscribe:
      only_keys(params, {"channel", "since", "token"});
      c.channel = string_field(params, "channel", true);
      c.since = since_field(params);
      c.token = string_field(params, "token", false);
      break;
    case Method::unsubscribe:
    case Method::presence:
      only_keys(params, {"channel"});
      c.channel = string_field(params, "channel", true);
      break;
    case Method::publish: {
      only_keys(params, {"channel", "data"});
      c.channel = string_field(params, "channel", true);
      const json* d = get(params, "data");
      if (!d) throw BadParams{"missing 'data'"};
      c.data = d->dump(-1, ' ', false, json::error_handler_t::strict);
      if (c.data.size() > max_data) {
        limit_error = Error::limit_exceeded;
        throw BadParams{"data over hub.max_message"};
      }
      break;
    }
    case Method::history: {
      only_keys(params, {"channel", "since", "limit"});
      c.channel = string_field(params, "channel", true);
      c.since = since_field(params);
      if (const json* l = get(params, "limit")) {
        if (!l->is_number_unsigned() || l->get<std::uint64_t>() > 0xffffffffull)
          throw BadParams{"'limit' must be an integer >= 0"};
        c.limit = static_cast<std::uint32_t>(l->get<std::uint64_t>());
      }
      break;
    }
    case Method::ping:
      only_keys(params, {});
      break;
  }
}

}  // namespace

ParseResult parse_command(std::string_view text, std::size_t max_data) {
  ParseResult r;
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) {
    r.message = "bad JSON";
    return r;
  }
  if (!j.is_object()) {
    r.message = "a command is a JSON object";
    return r;
  }
  const json* id = get(j, "id");
  if (!id || !id->is_number_unsigned() || id->get<std::uint64_t>() == 0) {
    r.message = "'id' must be a positive integer";
    return r;
  }
  r.command.id = id->get<std::uint64_t>();
  r.kind = ParseResult::Kind::error;
  const json* params = nullptr;
  std::string unknown;
  int methods = 0;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "id") continue;
    ++methods;
    bool known = false;
    for (const auto& m : kMethods)
      if (m.name == it.key()) {
        known = true;
        r.command.method = m.method;
        params = &it.value();
      }
    if (!known && unknown.empty()) unknown = it.key();
  }
  if (!unknown.empty()) {
    r.error = Error::method_not_found;
    r.message = "unknown method '" + unknown + "'";
    return r;
  }
  if (methods != 1) {
    r.error = Error::bad_request;
    r.message = methods ? "one method per command" : "no method";
    return r;
  }
  if (!params->is_object()) {
    r.error = Error::bad_request;
    r.message = "the method's parameters must be an object";
    return r;
  }
  Error limit = Error::none;
  try {
    fill(r.command, *params, max_data, limit);
  } catch (const BadParams& b) {
    r.error = limit == Error::none ? Error::bad_request : limit;
    r.message = b.message;
    return r;
  } catch (const json::exception&) {  // invalid UTF-8 in publish data
    r.error = Error::bad_request;
    r.message = "invalid UTF-8";
    return r;
  }
  r.kind = ParseResult::Kind::ok;
  return r;
}

std::optional<Position> parse_position(std::string_view s) {
  auto colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == s.size()) return std::nullopt;
  std::uint64_t off = 0;
  auto digits = s.substr(colon + 1);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), off);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return Position{off, std::string(s.substr(0, colon))};
}

}  // namespace strata::hub::protocol

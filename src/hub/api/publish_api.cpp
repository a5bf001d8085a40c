#include "hub/api/publish_api.hpp"

#include "hub/api/http_body.hpp"

#include <charconv>
#include <fstream>
#include <functional>
#include <stdexcept>

#include <boost/asio/this_coro.hpp>
#include <boost/url/parse_query.hpp>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "config/hub.hpp"
#include "http/exchange.hpp"
#include "hub/api/api_json.hpp"
#include "hub/api/await_hub.hpp"
#include "hub/api/idempotency.hpp"

namespace strata::hub::api {

namespace asio = boost::asio;
using json = nlohmann::ordered_json;

struct PublishApi::Outcome {
  int status = 200;
  std::string body;  // {"result":...} or {"error":...}
};
using Outcome = PublishApi::Outcome;

namespace {

constexpr std::size_t kMaxKeyBytes = 256;       // idempotency keys
constexpr std::size_t kMaxReasonBytes = 123;    // a close frame's reason
constexpr std::size_t kMaxBatch = 1000;         // commands of one batch
constexpr std::uint16_t kDefaultDisconnect = close_code::disconnected;

Outcome ok(std::string_view result) {
  std::string b = "{\"result\":";
  b += result;
  b += '}';
  return {200, std::move(b)};
}
Outcome fail(Error e, std::string_view message = {}) { return {error_status(e), error_body(e, message)}; }
Outcome too_large() { return {413, error_body(Error::limit_exceeded, "message too large")}; }

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// True when no array/object in `s` nests deeper than `max` (strings skipped).
bool depth_ok(std::string_view s, std::size_t max) {
  std::size_t depth = 0;
  bool in_str = false, esc = false;
  for (const char c : s) {
    if (in_str) {
      if (esc) esc = false;
      else if (c == '\\') esc = true;
      else if (c == '"') in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// The decoded value of query parameter `name`, if present.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  if (query.empty()) return std::nullopt;
  auto params = boost::urls::parse_query(boost::core::string_view(query.data(), query.size()));
  if (!params) return std::nullopt;
  for (auto p : *params)
    if (p.key.decode() == name) return p.has_value ? p.value.decode() : std::string();
  return std::nullopt;
}

template <class T>
bool parse_uint(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// A non-empty string field, or null.
const std::string* string_field(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// The command's idempotency key ("" = none); false when malformed.
bool idempotency_key(const json& cmd, std::string_view header_key, std::string& key) {
  key.assign(header_key);
  if (auto it = cmd.find("idempotency_key"); it != cmd.end()) {
    if (!it->is_string()) return false;
    if (!it->get_ref<const std::string&>().empty()) key = it->get<std::string>();
  }
  return key.size() <= kMaxKeyBytes;
}

asio::awaitable<void> send(http::Exchange& ex, const Outcome& o, std::string_view extra_name = {},
                           std::string_view extra_value = {}) {
  co_await send_json(ex, o.status, o.body, extra_name, extra_value);
}

}  // namespace

// One request's commands against one WorkerHub.
class PublishApi::Run {
  using Job = std::function<asio::awaitable<Outcome>()>;

 public:
  Run(const PublishApi& api, WorkerHub& hub) : api_(api), hub_(hub) {}

  asio::awaitable<Outcome> post(std::string_view ep, const json& body, std::string_view header_key) {
    if (ep == "batch") co_return co_await batch(body, header_key);
    co_return co_await command(ep, body, header_key);
  }

  asio::awaitable<Outcome> get(std::string_view ep, std::string_view query) {
    if (ep == "channels") {
      auto list = co_await await_callback<std::vector<WorkerHub::ChannelInfo>>(
          [&](std::function<void(std::vector<WorkerHub::ChannelInfo>)> cb) { hub_.channels(std::move(cb)); });
      co_return ok(channels_json(list));
    }
    auto channel = query_param(query, "channel");
    if (!channel || channel->empty()) co_return fail(Error::bad_request, "channel is required");
    if (ep == "presence") {
      auto r = co_await await_callback<PresenceResult>(
          [&](std::function<void(PresenceResult)> cb) { hub_.presence(*channel, std::move(cb)); });
      if (r.error != Error::none) co_return fail(r.error);
      co_return ok(presence_json(r));
    }
    // history
    std::uint32_t limit = 0;  // 0 = all kept
    if (auto l = query_param(query, "limit"); l && !parse_uint(*l, limit))
      co_return fail(Error::bad_request, "bad limit");
    std::optional<Position> since;
    if (auto s = query_param(query, "since")) {
      auto colon = s->rfind(':');
      Position p;
      if (colon == std::string::npos || !parse_uint(std::string_view(*s).substr(colon + 1), p.offset))
        co_return fail(Error::bad_request, "bad since (epoch:offset)");
      p.epoch = s->substr(0, colon);
      since = std::move(p);
    }
    auto r = co_await await_callback<HistoryResult>([&](std::function<void(HistoryResult)> cb) {
      hub_.history(*channel, since, limit, std::move(cb));
    });
    if (r.error != Error::none) co_return fail(r.error);
    co_return ok(history_json(r));
  }

 private:
  asio::awaitable<Outcome> command(std::string_view name, const json& cmd, std::string_view header_key) {
    if (!cmd.is_object()) co_return fail(Error::bad_request, "command must be a JSON object");
    if (name == "publish") co_return co_await publish(cmd, header_key);
    if (name == "broadcast") co_return co_await broadcast(cmd, header_key);
    if (name == "disconnect") co_return disconnect(cmd);
    if (name == "unsubscribe") co_return unsubscribe(cmd);
    co_return Outcome{404, error_body(Error::method_not_found, "unknown method")};
  }

  asio::awaitable<Outcome> publish(const json& cmd, std::string_view header_key) {
    const std::string* channel = string_field(cmd, "channel");
    if (!channel) co_return fail(Error::bad_request, "channel is required");
    auto d = cmd.find("data");
    if (d == cmd.end()) co_return fail(Error::bad_request, "data is required");
    std::string data = d->dump();
    if (data.size() > api_.max_message_) co_return too_large();
    std::string key;
    if (!idempotency_key(cmd, header_key, key)) co_return fail(Error::bad_request, "bad idempotency_key");
    std::string scope = key.empty() ? key : "publish\n" + *channel + "\n" + key;
    Job job = [&]() -> asio::awaitable<Outcome> {
      auto r = co_await await_callback<PublishResult>([&](std::function<void(PublishResult)> cb) {
        hub_.publish(PublishRequest{*channel, data, nullptr}, std::move(cb));
      });
      if (r.error != Error::none) co_return fail(r.error);
      co_return ok(position_json(r.position));
    };
    co_return co_await idempotent(std::move(scope), std::move(job));
  }

  // {"publish":{...}} with no idempotency_key of its own.
  static bool plain_publish(const json& c) {
    if (!c.is_object() || c.size() != 1 || c.begin().key() != "publish") return false;
    const json& p = c.begin().value();
    return p.is_object() && !p.contains("idempotency_key");
  }

  // The publish commands [i, j) of a batch, started together in order; one
  // outcome per command, in order (invalid ones are not published).
  asio::awaitable<std::vector<Outcome>> publish_run(const json& cmds, std::size_t i, std::size_t j) {
    std::vector<Outcome> outs(j - i);
    std::vector<std::size_t> slot;  // outs index of each request
    std::vector<PublishRequest> reqs;
    for (std::size_t k = i; k < j; ++k) {
      const json& cmd = cmds[k].begin().value();
      const std::string* channel = string_field(cmd, "channel");
      auto d = cmd.find("data");
      if (!channel) {
        outs[k - i] = fail(Error::bad_request, "channel is required");
      } else if (d == cmd.end()) {
        outs[k - i] = fail(Error::bad_request, "data is required");
      } else {
        std::string data = d->dump();
        if (data.size() > api_.max_message_) {
          outs[k - i] = too_large();
          continue;
        }
        slot.push_back(k - i);
        reqs.push_back(PublishRequest{*channel, std::move(data), nullptr});
      }
    }
    auto rs = co_await await_all<PublishResult>(
        reqs.size(), [&](std::size_t n, std::function<void(PublishResult)> cb) {
          hub_.publish(std::move(reqs[n]), std::move(cb));
        });
    for (std::size_t n = 0; n < rs.size(); ++n)
      outs[slot[n]] = rs[n].error != Error::none ? fail(rs[n].error) : ok(position_json(rs[n].position));
    co_return outs;
  }

  asio::awaitable<Outcome> broadcast(const json& cmd, std::string_view header_key) {
    auto chs = cmd.find("channels");
    if (chs == cmd.end() || !chs->is_array() || chs->empty())
      co_return fail(Error::bad_request, "channels must be a non-empty array");
    if (chs->size() > kMaxBroadcast) co_return fail(Error::limit_exceeded, "too many channels");
    std::vector<std::string> channels;
    for (const auto& c : *chs) {
      if (!c.is_string() || c.get_ref<const std::string&>().empty())
        co_return fail(Error::bad_request, "channels must be non-empty strings");
      channels.push_back(c.get<std::string>());
    }
    auto d = cmd.find("data");
    if (d == cmd.end()) co_return fail(Error::bad_request, "data is required");
    std::string data = d->dump();
    if (data.size() > api_.max_message_) co_return too_large();
    std::string key;
    if (!idempotency_key(cmd, header_key, key)) co_return fail(Error::bad_request, "bad idempotency_key");
    std::string scope = key.empty() ? key : "broadcast\n" + key;
    Job job = [&]() -> asio::awaitable<Outcome> {
      auto rs = co_await await_all<PublishResult>(
          channels.size(), [&](std::size_t i, std::function<void(PublishResult)> cb) {
            hub_.publish(PublishRequest{channels[i], data, nullptr}, std::move(cb));
          });
      std::string out = "{\"responses\":[";
      for (std::size_t i = 0; i < rs.size(); ++i) {
        if (i) out += ',';
        out += "{\"channel\":";
        append_string(out, channels[i]);
        if (rs[i].error != Error::none) {
          auto e = error_body(rs[i].error);  // {"error":{...}}
          out += ',';
          out.append(e, 1, e.size() - 2);  // "error":{...}
        } else {
          auto p = position_json(rs[i].position);  // {"offset":..,"epoch":..}
          out += ',';
          out.append(p, 1, p.size() - 2);
        }
        out += '}';
      }
      out += "]}";
      co_return ok(out);
    };
    co_return co_await idempotent(std::move(scope), std::move(job));
  }

  Outcome disconnect(const json& cmd) {
    const std::string* user = string_field(cmd, "user");
    if (!user) return fail(Error::bad_request, "user is required");
    std::uint16_t code = kDefaultDisconnect;
    if (auto c = cmd.find("code"); c != cmd.end()) {
      if (!c->is_number_integer()) return fail(Error::bad_request, "bad code");
      auto v = c->get<std::int64_t>();
      if (!(v == 1000 || v == 1012 || (v >= 3000 && v <= 4999)))
        return fail(Error::bad_request, "code must be 1000, 1012 or 3000-4999");
      code = std::uint16_t(v);
    }
    std::string reason = "disconnected";
    if (auto r = cmd.find("reason"); r != cmd.end()) {
      if (!r->is_string() || r->get_ref<const std::string&>().size() > kMaxReasonBytes)
        return fail(Error::bad_request, "reason must be a string of at most 123 bytes");
      reason = r->get<std::string>();
    }
    hub_.disconnect_user(*user, code, reason);
    return ok("{}");
  }

  Outcome unsubscribe(const json& cmd) {
    const std::string* user = string_field(cmd, "user");
    const std::string* channel = string_field(cmd, "channel");
    if (!user || !channel) return fail(Error::bad_request, "user and channel are required");
    hub_.unsubscribe_user(*user, *channel);
    return ok("{}");
  }

  asio::awaitable<Outcome> batch(const json& body, std::string_view header_key) {
    if (!body.is_object()) co_return fail(Error::bad_request, "body must be a JSON object");
    auto cmds = body.find("commands");
    if (cmds == body.end() || !cmds->is_array() || cmds->empty())
      co_return fail(Error::bad_request, "commands must be a non-empty array");
    if (cmds->size() > kMaxBatch) co_return fail(Error::limit_exceeded, "too many commands");
    std::string key(header_key);
    std::string scope = key.empty() ? key : "batch\n" + key;
    Job job = [&]() -> asio::awaitable<Outcome> {
      std::string out = "{\"replies\":[";
      bool first = true;
      auto add = [&](const Outcome& o) {
        if (!first) out += ',';
        first = false;
        out += o.body;
      };
      const std::size_t n = cmds->size();
      for (std::size_t i = 0; i < n;) {
        // A run of publish commands without their own idempotency key goes
        // to the hub at once, in order: the owner assigns offsets in that
        // order, and the publications reach each subscriber's queue in the
        // same event-loop turn, so they leave in one write per subscriber.
        std::size_t j = i;
        while (j < n && plain_publish((*cmds)[j])) ++j;
        if (j > i) {
          std::vector<Outcome> outs = co_await publish_run(*cmds, i, j);  // named: GCC 12 coroutine temporaries
          for (const auto& o : outs) add(o);
          i = j;
          continue;
        }
        const auto& c = (*cmds)[i++];
        Outcome o;
        if (!c.is_object() || c.size() != 1) o = fail(Error::bad_request, "a command is an object with one key");
        else o = co_await command(c.begin().key(), c.begin().value(), {});
        add(o);
      }
      out += "]}";
      co_return Outcome{200, std::move(out)};
    };
    co_return co_await idempotent(std::move(scope), std::move(job));
  }

  // Runs `run` once per idempotency key (none: always).
  asio::awaitable<Outcome> idempotent(std::string key, Job run) {
    if (key.empty()) co_return co_await run();
    auto& store = *api_.store_;
    struct Pending {
      std::optional<IdempotencyStore::Reply> reply;
      std::function<void(IdempotencyStore::Reply)> cb;
    };
    auto pending = std::make_shared<Pending>();
    IdempotencyStore::Reply cached;
    IdempotencyStore::Waiter w;
    w.executor = co_await asio::this_coro::executor;
    w.resume = [pending](IdempotencyStore::Reply r) {
      if (pending->cb) pending->cb(std::move(r));
      else pending->reply = std::move(r);
    };
    switch (store.begin(key, api_.window_, api_.max_keys_, cached, std::move(w))) {
      case IdempotencyStore::Begin::cached:
        co_return Outcome{cached.status, std::move(cached.body)};
      case IdempotencyStore::Begin::wait: {
        auto wait = [p = pending.get()](std::function<void(IdempotencyStore::Reply)> cb) {
          if (p->reply) cb(std::move(*p->reply));
          else p->cb = std::move(cb);
        };
        auto r = co_await await_callback<IdempotencyStore::Reply>(wait);
        co_return Outcome{r.status, std::move(r.body)};
      }
      case IdempotencyStore::Begin::run:
        break;
    }
    // Completes the key even if this coroutine is destroyed mid-way.
    struct Guard {
      IdempotencyStore& store;
      const std::string& key;
      std::size_t max_keys;
      bool done = false;
      ~Guard() {
        if (!done) store.complete(key, {500, error_body(Error::internal)}, false, max_keys);
      }
    } guard{store, key, api_.max_keys_};
    Outcome o = co_await run();
    guard.done = true;
    store.complete(key, {o.status, o.body}, o.status == 200, api_.max_keys_);
    co_return o;
  }

  const PublishApi& api_;
  WorkerHub& hub_;
};

PublishApi::PublishApi(const config::HubConfig& hub, ApiOptions opt)
    : window_(hub.idempotency_window_s),
      max_keys_(hub.idempotency_max_keys),
      max_message_(hub.max_message),
      store_(opt.store ? opt.store : &IdempotencyStore::global()) {
  for (const auto& k : hub.api_keys)
    if (!k.empty()) keys_.push_back(sha256(k));
  if (!hub.api_keys_file.empty()) {
    std::ifstream in(hub.api_keys_file);
    if (!in) throw std::runtime_error("hub.api_keys_file: cannot read " + hub.api_keys_file);
    std::string line;
    while (std::getline(in, line)) {
      auto k = trim(line);
      if (k.empty() || k.front() == '#') continue;
      keys_.push_back(sha256(k));
    }
  }
}

bool PublishApi::authorized(const http::Request& req) const {
  auto h = req.headers.get("authorization");
  if (!h || keys_.empty()) return false;
  auto v = trim(*h);
  constexpr std::string_view kScheme = "apikey";
  if (v.size() <= kScheme.size() || !http::iequals(v.substr(0, kScheme.size()), kScheme) ||
      (v[kScheme.size()] != ' ' && v[kScheme.size()] != '\t'))
    return false;
  auto key = trim(v.substr(kScheme.size()));
  if (key.empty()) return false;
  const auto d = sha256(key);
  int match = 0;
  for (const auto& k : keys_) match |= CRYPTO_memcmp(k.data(), d.data(), d.size()) == 0;
  return match != 0;
}

asio::awaitable<void> PublishApi::serve(http::Exchange& ex, WorkerHub& hub, std::string_view prefix) const {
  // Note: every reply goes through one named Outcome (GCC 12 destroys
  // braced temporaries inside a co_await expression twice).
  Outcome o;
  std::string_view extra_name, extra_value;
  co_await respond(ex, hub, prefix, o, extra_name, extra_value);
  if (o.status == 0) co_return;  // the client failed: reset already
  co_await send(ex, o, extra_name, extra_value);
}

asio::awaitable<void> PublishApi::respond(http::Exchange& ex, WorkerHub& hub, std::string_view prefix, Outcome& o,
                                          std::string_view& extra_name, std::string_view& extra_value) const {
  auto& req = ex.request();
  if (!authorized(req)) {
    o = Outcome{401, error_body(Error::unauthorized, "missing or bad API key")};
    extra_name = "www-authenticate";
    extra_value = "apikey";
    co_return;
  }
  std::string_view ep = req.path();
  if (ep.starts_with(prefix)) ep.remove_prefix(prefix.size());
  while (!ep.empty() && ep.front() == '/') ep.remove_prefix(1);
  while (!ep.empty() && ep.back() == '/') ep.remove_suffix(1);
  const bool is_post = ep == "publish" || ep == "broadcast" || ep == "batch" || ep == "disconnect" ||
                       ep == "unsubscribe";
  const bool is_get = ep == "presence" || ep == "history" || ep == "channels";
  if (!is_post && !is_get) {
    o = Outcome{404, error_body(Error::method_not_found, "unknown endpoint")};
    co_return;
  }
  if (is_post && req.method != "POST") {
    o = Outcome{405, error_body(Error::bad_request, "use POST")};
    extra_name = "allow";
    extra_value = "POST";
    co_return;
  }
  if (is_get && req.method != "GET" && req.method != "HEAD") {
    o = Outcome{405, error_body(Error::bad_request, "use GET")};
    extra_name = "allow";
    extra_value = "GET, HEAD";
    co_return;
  }
  Run run(*this, hub);
  if (is_get) {
    o = co_await run.get(ep, req.query());
    co_return;
  }
  bool too_big = false;
  auto body = co_await read_body_bounded(ex, max_body(), too_big);
  if (!body) {
    if (too_big) {
      o = too_large();
    } else {
      ex.reset();
      o.status = 0;
    }
    co_return;
  }
  if (!depth_ok(*body, kMaxDepth)) {
    o = fail(Error::bad_request, "JSON nested too deeply");
    co_return;
  }
  json doc = json::parse(*body, nullptr, false);
  if (doc.is_discarded()) {
    o = fail(Error::bad_request, "body is not valid JSON");
    co_return;
  }
  auto hk = req.headers.get("idempotency-key");
  std::string header_key(hk ? trim(*hk) : std::string_view());
  if (header_key.size() > kMaxKeyBytes) {
    o = fail(Error::bad_request, "bad Idempotency-Key");
    co_return;
  }
  o = co_await run.post(ep, doc, header_key);
}

std::shared_ptr<const PublishApi> make_publish_api(const config::HubConfig& hub, ApiOptions opt) {
  return std::make_shared<const PublishApi>(hub, opt);
}

}  // namespace strata::hub::api

#include "admin/cache_admin.hpp"

#include <charconv>

#include <boost/url/parse_query.hpp>
#include <nlohmann/json.hpp>

#include "cache/encoded_variant.hpp"
#include "cache/purge.hpp"
#include "cache/purge_bus.hpp"
#include "cache/store.hpp"
#include "http/exchange.hpp"
#include "hub/api/await_hub.hpp"

namespace strata::admin {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxBody = 1 << 20;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

asio::awaitable<void> answer(http::Exchange& ex, int status, const json& j) {
  co_await http::respond(ex, status, dump(j), "application/json");
}

asio::awaitable<void> error(http::Exchange& ex, int status, std::string msg) {
  json j = json::object();
  j["error"] = std::move(msg);
  co_await answer(ex, status, j);
}

std::string query_param(const http::Request& req, std::string_view name) {
  std::string out;
  if (const auto q = req.query(); !q.empty())
    if (auto params = boost::urls::parse_query(boost::core::string_view(q.data(), q.size())))
      for (auto p : *params)
        if (p.key.decode() == name && p.has_value) out = p.value.decode();
  return out;
}

double unix_seconds(cache::WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

json object_json(const cache::Object& o) {
  json vary = json::object();
  std::string coding;  // encoded variants: the ":coding" member
  for (const auto& f : o.vary) {
    if (f.name == cache::kCodingMember) coding = f.value;
    else vary[f.name] = f.value;
  }
  json headers = json::array();
  for (const auto& f : o.headers) headers.push_back(json::array({f.name, f.value}));
  return json{{"key", o.key},
              {"url", o.url},
              {"status", o.status},
              {"vary", vary},
              {"vary_star", o.vary_star},
              {"coding", coding},
              {"headers", headers},
              {"body_bytes", o.body ? o.body->size() : 0},
              {"body_storage", o.body ? cache::to_string(o.body->storage()) : "none"},
              {"charge", o.charge()},
              {"tags", o.tags},
              {"invalidated", o.invalidated},
              {"request_time", unix_seconds(o.request_time)},
              {"response_time", unix_seconds(o.response_time)}};
}

json bus_json() {
  auto bus = cache::process_purge_bus();
  if (!bus) return nullptr;
  return json{{"channel", bus->channel()}, {"subscribed", bus->subscribed()}, {"node", cache::PurgeBus::node_id()}};
}

json purge_answer(const cache::PurgeCounts& c, bool soft, json broadcast) {
  return json{{"purged", c.total()}, {"tags", c.tags}, {"urls", c.urls}, {"prefixes", c.prefixes},
              {"all", c.all}, {"soft", soft}, {"broadcast", std::move(broadcast)}};
}

json broadcast_json(const cache::PurgeBus& bus, const cache::PublishResult& r) {
  json j{{"channel", bus.channel()}, {"ok", r.ok}, {"receivers", r.receivers}};
  if (!r.ok) j["error"] = r.error;
  return j;
}

json stats_json(const cache::Store* store) {
  json j{{"enabled", store != nullptr}};
  if (store) {
    const auto s = store->stats();
    j.update(json{{"objects", s.objects},
                  {"bytes", s.bytes},
                  {"disk_objects", s.disk_objects},
                  {"disk_bytes", s.disk_bytes},
                  {"evictions", s.evictions},
                  {"rejected", s.rejected},
                  {"purged", s.purged}});
  }
  j["purge_bus"] = bus_json();
  return j;
}

json lookup_json(cache::Store& store, const std::string& url) {
  json objects = json::array();
  for (const auto& o : store.by_url(url)) objects.push_back(object_json(*o));
  return json{{"url", url}, {"objects", std::move(objects)}};
}

json tags_json(cache::Store& store, std::size_t limit) {
  json tags = json::array();
  for (const auto& [tag, n] : store.tags(limit)) tags.push_back(json{{"tag", tag}, {"objects", n}});
  return json{{"tags", std::move(tags)}};
}

// (Coroutines here build JSON only through the helpers above: GCC 12
// miscompiles brace-initialized arrays inside coroutine bodies.)
asio::awaitable<void> purge(http::Exchange& ex) {
  std::string body;
  std::vector<char> buf(16 * 1024);
  for (;;) {
    auto r = co_await ex.read_body(std::span<char>(buf.data(), buf.size()));
    if (r.ec) {
      co_await error(ex, 400, "cannot read the body");
      co_return;
    }
    if (r.n == 0) break;
    if (body.size() + r.n > kMaxBody) {
      co_await error(ex, 413, "the body is over 1 MiB");
      co_return;
    }
    body.append(buf.data(), r.n);
  }
  std::string err;
  auto req = cache::parse_purge_json(body, err);
  if (!req) {
    co_await error(ex, 400, err);
    co_return;
  }
  cache::PurgeCounts c;
  if (auto store = cache::process_store()) c = cache::apply_purge(*store, *req);
  json broadcast = nullptr;
  if (auto bus = cache::process_purge_bus()) {
    auto r = co_await hub::api::await_callback<cache::PublishResult>(
        [&](std::function<void(cache::PublishResult)> cb) { bus->publish(*req, std::move(cb)); });
    broadcast = broadcast_json(*bus, r);
  }
  co_await answer(ex, 200, purge_answer(c, req->soft, std::move(broadcast)));
}

}  // namespace

bool is_cache_admin_path(std::string_view path) {
  return path == "/cache/purge" || path == "/cache/lookup" || path == "/cache/tags" || path == "/cache/stats";
}

asio::awaitable<void> serve_cache_admin(http::Exchange& ex) {
  auto& req = ex.request();
  const auto path = req.path();
  const bool is_purge = path == "/cache/purge";
  const bool ok_method = is_purge ? req.method == "POST" : (req.method == "GET" || req.method == "HEAD");
  if (!ok_method) {
    http::Response resp;
    resp.status = 405;
    resp.headers.add("allow", is_purge ? "POST" : "GET, HEAD");
    static constexpr std::string_view kBody = "method not allowed\n";
    resp.headers.add("content-type", "text/plain");
    resp.headers.add("content-length", std::to_string(kBody.size()));
    if (!co_await ex.send_head(resp, false)) co_await ex.send_body(std::span<const char>(kBody), true);
    co_return;
  }
  if (is_purge) {
    co_await purge(ex);
    co_return;
  }
  auto store = cache::process_store();
  if (path == "/cache/stats") {
    co_await answer(ex, 200, stats_json(store.get()));
    co_return;
  }
  if (!store) {
    co_await error(ex, 404, "no cache (no route has cache:)");
    co_return;
  }
  if (path == "/cache/lookup") {
    const std::string url = query_param(req, "url");
    if (url.empty()) {
      co_await error(ex, 400, "url is required");
      co_return;
    }
    co_await answer(ex, 200, lookup_json(*store, url));
    co_return;
  }
  // /cache/tags
  std::size_t limit = 100;
  if (const std::string l = query_param(req, "limit"); !l.empty()) {
    auto r = std::from_chars(l.data(), l.data() + l.size(), limit);
    if (r.ec != std::errc{} || r.ptr != l.data() + l.size() || limit == 0 || limit > 10000) {
      co_await error(ex, 400, "limit must be 1..10000");
      co_return;
    }
  }
  co_await answer(ex, 200, tags_json(*store, limit));
}

}  // namespace strata::admin

// The hub's HTTP publish API, route action `hub_api:` (docs/hub.md
// "Publish API"). Under the route's prefix:
//   POST publish      {"channel":C,"data":D[,"idempotency_key":K]}  -> {"result":{"offset":N,"epoch":E}}
//   POST broadcast    {"channels":[..],"data":D[,"idempotency_key":K]}
//                     -> {"result":{"responses":[{"channel":C,"offset":N,"epoch":E} | {"channel":C,"error":{..}},..]}}
//   POST batch        {"commands":[{"publish":{..}},{"broadcast":{..}},{"disconnect":{..}},{"unsubscribe":{..}}]}
//                     -> {"replies":[{"result":..} | {"error":..},..]}  (run in order)
//   POST disconnect   {"user":U[,"code":4005][,"reason":"..."]}       -> {"result":{}}
//   POST unsubscribe  {"user":U,"channel":C}                           -> {"result":{}}
//   GET  presence?channel=C                       -> {"result":{"clients":{..},"num_clients":N,"num_users":N}}
//   GET  history?channel=C[&limit=N][&since=E:N]  -> {"result":{"offset":..,"epoch":..,"recovered":B,"publications":[..]}}
//   GET  channels                                 -> {"result":{"channels":[{"name":..,"subscribers":..,..}]}}
// Auth: "Authorization: apikey <key>" with a key of hub.api_keys or
// hub.api_keys_file (compared in constant time over SHA-256 digests); else
// 401 {"error":{"code":101,..}}. No key configured: every request is 401.
// Errors: 400 {"error":{"code":C,"message":M}} (codes: hub/codes.hpp), 404
// (code 104) for an unknown path, 405 for a wrong method, 413 (code 106)
// for a body over hub.max_message + kEnvelope or data over hub.max_message.
// Publication data is re-serialized compactly (key order kept), so it never
// holds a raw newline. JSON nesting is limited to kMaxDepth.
// Idempotency: publish and broadcast take "idempotency_key" (or the
// Idempotency-Key header; on batch the header covers the whole batch); a
// key seen within hub.idempotency_window_s returns the first reply again
// without running (see idempotency.hpp; per process).
// Thread: serve() runs on the worker of `hub`; a PublishApi is immutable
// and may be shared by workers.
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "hub/hub.hpp"

namespace strata::http {
class Exchange;
struct Request;
}

namespace strata::hub::api {

class IdempotencyStore;

struct ApiOptions {
  IdempotencyStore* store = nullptr;  // null: IdempotencyStore::global()
};

class PublishApi {
 public:
  static constexpr std::size_t kEnvelope = 16 * 1024;  // request bytes allowed beyond hub.max_message
  static constexpr std::size_t kMaxDepth = 64;         // JSON nesting of a request body
  static constexpr std::size_t kMaxBroadcast = 10000;  // channels of one broadcast

  // Takes the API options from `hub` and reads hub.api_keys_file (one key
  // per line, blank lines and lines starting with '#' skipped; throws
  // std::runtime_error naming the file when it cannot be read).
  explicit PublishApi(const config::HubConfig& hub, ApiOptions opt = {});

  // Serves one request; `prefix` is the route's matched path prefix (the
  // endpoint is the rest of the path). Always finishes the exchange.
  boost::asio::awaitable<void> serve(http::Exchange& ex, WorkerHub& hub, std::string_view prefix) const;

  // True when `req` carries a configured API key.
  bool authorized(const http::Request& req) const;
  std::size_t max_body() const { return std::size_t(max_message_) + kEnvelope; }

  struct Outcome;  // a reply (status, JSON body); publish_api.cpp

 private:
  class Run;
  std::vector<std::array<unsigned char, 32>> keys_;  // SHA-256 of each key
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::uint32_t max_message_;
  IdempotencyStore* store_;
};

std::shared_ptr<const PublishApi> make_publish_api(const config::HubConfig& hub, ApiOptions opt = {});

// The entry point for the pipeline's `hub_api:` action.
inline boost::asio::awaitable<void> serve_api(http::Exchange& ex, const PublishApi& api, WorkerHub& hub,
                                              std::string_view prefix) {
  return api.serve(ex, hub, prefix);
}

}  // namespace strata::hub::api

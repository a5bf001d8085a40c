// The exchange decorator the cached proxy hands to Upstreams::proxy: it
// passes the upstream response through to the client while teeing it into
// a new Object, inserted into the store when the body ends (a response
// over the size limit is abandoned as soon as it is known to be too large
// and streams on uncached). With a stale object being revalidated it also
// answers a 304 from the stored object (updated per RFC 9111 4.3.4) and,
// when stale-if-error allows, answers a 500/502/503/504 (the origin's or
// the proxy's own: connect error, breaker open, timeout) with the stale
// object. As the proxy's StaleAnswer it gives that stale object to the
// resilience tiers when every cluster failed (before last-known-good and
// static) and never stores their degraded answers. Adds Cache-Status to
// forwarded responses and strips the tag headers when the route asks. On a
// route that compresses (`compress`), a stored response the compression
// policy accepts becomes the encoded variant of the request's coding
// (encoded_variant.hpp): encoded here, stored encoded and streamed to the
// client at once (the route's compression filter then sees
// Content-Encoding and passes it through). Same thread rules as the
// wrapped exchange.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cache/object.hpp"
#include "cache/store.hpp"
#include "config/cache.hpp"
#include "core/clock.hpp"
#include "http/exchange.hpp"
#include "upstream/stale_answer.hpp"

namespace strata::filter {
class BodyTransform;
namespace compression {
class CompressionFilter;
}
}  // namespace strata::filter

namespace strata::cache {

struct CaptureParams {
  std::shared_ptr<Store> store;          // null: nothing is stored
  const config::RouteCache* rc = nullptr;
  const core::WallClock* clock = nullptr;
  std::string key, url;
  std::string method;                    // the client's
  http::Headers client;                  // the client's fields before any rewrite
  WallTime request_time{};
  std::uint64_t limit = 0;               // largest body stored (bytes)
  bool may_store = true;                 // false: the request forbids storing (no-store)
  ObjectPtr stale;                       // revalidating this object, or null
  bool serve_stale_on_error = false;     // stale-if-error applies to `stale`
  std::int64_t stale_age = 0;            // `stale`'s age for the stale answer
  // Stored variants of the key that did not match the request's Vary
  // values: their ETags went upstream in If-None-Match, and a 304 naming
  // one of them makes it this request's variant too (RFC 9111 4.3.1).
  std::vector<ObjectPtr> candidates;
  std::string fwd = "uri-miss";          // Cache-Status fwd= for a forwarded response
  // The route's compression filter (null: none) and the coding this
  // request selects (request_coding(): "" without compression).
  std::shared_ptr<const filter::compression::CompressionFilter> compress;
  std::string coding;
  // The request went upstream with origin_if_none_match() tags: a 304 the
  // origin sends for it carries the representation's ETag to the client.
  bool mapped_if_none_match = false;
  // Called once when it is known whether the response will be stored
  // (coalescer release).
  std::function<void()> on_decided;
};

class CaptureExchange final : public http::Exchange, public upstream::StaleAnswer {
 public:
  CaptureExchange(http::Exchange& inner, CaptureParams p);
  ~CaptureExchange() override;

  http::Request& request() override { return inner_.request(); }
  const http::ConnInfo& conn() const override { return inner_.conn(); }
  boost::asio::any_io_executor executor() const override { return inner_.executor(); }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override {
    return inner_.read_body(buf);
  }
  const http::Headers* request_trailers() const override { return inner_.request_trailers(); }
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    return inner_.send_interim(r);
  }
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override;
  bool head_sent() const override { return swallow_ || inner_.head_sent(); }
  bool finished() const override { return inner_.finished(); }
  void reset() override;
  http::RequestContext* context() override { return inner_.context(); }

  // upstream::StaleAnswer: the stale object when stale-if-error allows.
  boost::asio::awaitable<bool> answer_stale(int status) override;
  void degraded_answer() override { degraded_ = true; }

  int upstream_status() const { return upstream_status_; }  // 0: no head seen
  bool stored() const { return stored_; }
  bool answered_from_cache() const { return swallow_; }  // 304 or stale-if-error
  // The forwarded response's Location and Content-Location values
  // (invalidation after an unsafe method).
  const std::vector<std::string>& invalidate_locations() const { return locations_; }

 private:
  void decided();
  void abandon();
  void finish();
  // Keeps `data` for the object being captured (abandons it over the limit).
  void capture(std::span<const char> data);
  // Turns a storable forwarded response into the encoded variant of
  // p_.coding when the compression policy accepts it (head of `r` and
  // `o` changed, enc_ set for an encoded coding).
  void make_variant(http::Response& r, Object& o);
  boost::asio::awaitable<http::error_code> serve_stale(int status);

  http::Exchange& inner_;
  CaptureParams p_;
  std::shared_ptr<Object> obj_;  // being captured; null when not capturing
  std::string body_;
  bool swallow_ = false;         // the upstream response is not the client's
  bool decided_ = false;
  bool stored_ = false;
  bool degraded_ = false;        // last-known-good / static answer: never stored
  int upstream_status_ = 0;
  std::vector<std::string> locations_;
  std::unique_ptr<filter::BodyTransform> enc_;  // encoding the body (encoded variant)
  std::string scratch_;                         // enc_'s output
};

}  // namespace strata::cache

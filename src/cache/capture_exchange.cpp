#include "cache/capture_exchange.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "cache/cache_control.hpp"
#include "cache/conditional.hpp"
#include "cache/encoded_variant.hpp"
#include "cache/freshness.hpp"
#include "cache/key.hpp"
#include "cache/serve.hpp"
#include "cache/storable.hpp"
#include "filter/compression/compression_filter.hpp"
#include "http/context.hpp"
#include "http/http_date.hpp"

namespace strata::cache {

namespace {

void split_tags(std::string_view v, char sep, std::vector<std::string>& out) {
  while (!v.empty()) {
    auto c = v.find(sep);
    auto t = v.substr(0, c);
    while (!t.empty() && (t.front() == ' ' || t.front() == ',')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == ',')) t.remove_suffix(1);
    if (!t.empty()) out.emplace_back(t);
    if (c == std::string_view::npos) break;
    v.remove_prefix(c + 1);
  }
}

bool same_representation(const Object& o, const http::Headers& h) {
  for (const char* n : {"etag", "last-modified", "content-length"}) {
    const auto* stored = o.header(n);
    const auto got = h.get(n);
    if (stored && got && *stored != *got) return false;
  }
  return true;
}

bool error_status(int s) { return s == 500 || s == 502 || s == 503 || s == 504; }

// The fields of a forwarded head the cache stores (hop-by-hop fields
// dropped; a Date added when the origin sent none).
void stored_fields(const http::Headers& h, WallTime now, std::vector<Field>& out) {
  out.clear();
  for (const auto& f : h)
    if (!never_stored(f.name)) out.push_back({std::string(f.name), std::string(f.value)});
  bool dated = false;
  for (const auto& f : out) dated = dated || f.name == "date";
  if (!dated)
    out.push_back({"date", http::format_http_date(std::chrono::system_clock::to_time_t(now))});
}

std::optional<std::uint64_t> content_length(const http::Headers& h) {
  const auto cl = h.get("content-length");
  if (!cl) return std::nullopt;
  std::uint64_t n = 0;
  const auto r = std::from_chars(cl->data(), cl->data() + cl->size(), n);
  if (r.ec != std::errc{} || r.ptr != cl->data() + cl->size()) return std::nullopt;
  return n;
}

}  // namespace

CaptureExchange::CaptureExchange(http::Exchange& inner, CaptureParams p)
    : inner_(inner), p_(std::move(p)) {}

CaptureExchange::~CaptureExchange() { decided(); }

void CaptureExchange::decided() {
  if (decided_) return;
  decided_ = true;
  if (p_.on_decided) p_.on_decided();
}

void CaptureExchange::abandon() {
  obj_.reset();
  std::string().swap(body_);
  decided();
}

void CaptureExchange::finish() {
  if (!obj_) return;
  obj_->body = make_body(std::move(body_));  // a memfd when large (cache/body.hpp)
  stored_ = p_.store->insert(std::move(obj_));
  obj_.reset();
  decided();
}

void CaptureExchange::make_variant(http::Response& r, Object& o) {
  namespace comp = filter::compression;
  if (!p_.compress || p_.coding.empty() || p_.method != "GET") return;
  if (p_.compress->policy().check_response(r) != comp::Skip::none) return;
  // An origin that varies on Accept-Encoding itself is stored as it sent
  // the response (its variants are its own).
  const std::string vary = r.headers.joined("vary");
  if (comp::has_token(vary, "accept-encoding") || comp::has_token(vary, "*")) return;
  const auto enc = comp::encoding_from_name(p_.coding);  // nullopt: identity
  if (enc) enc_ = p_.compress->make_transform(*enc, content_length(r.headers));
  comp::add_vary_accept_encoding(r.headers);
  if (enc) comp::set_encoded_head(r.headers, *enc);
  stored_fields(r.headers, o.response_time, o.headers);  // keeps the origin's ETag
  std::erase_if(o.vary, [](const Field& f) { return f.name == "accept-encoding"; });
  o.vary.push_back({std::string(kCodingMember), p_.coding});
  if (const auto* e = o.header("etag")) r.headers.set("etag", representation_etag(*e, p_.coding));
}

void CaptureExchange::capture(std::span<const char> data) {
  if (!obj_) return;
  if (body_.size() + data.size() > p_.limit) abandon();
  else body_.append(data.data(), data.size());
}

boost::asio::awaitable<http::error_code> CaptureExchange::serve_stale(int status) {
  decided();
  swallow_ = true;
  if (auto* ctx = inner_.context()) ctx->local_reason.clear();
  ServeOptions so;
  so.method = p_.method;
  so.client = &p_.client;
  so.age = p_.stale_age;
  const std::string cs = p_.rc->name + "; fwd=stale; fwd-status=" + std::to_string(status) +
                         "; detail=stale-if-error";
  so.cache_status = cs;
  so.strip_tag_headers = p_.rc->strip_tag_headers;
  co_return co_await serve_object(inner_, *p_.stale, so);
}

boost::asio::awaitable<bool> CaptureExchange::answer_stale(int status) {
  if (!p_.stale || !p_.serve_stale_on_error || swallow_ || inner_.head_sent()) co_return false;
  upstream_status_ = status;  // the cached proxy counts a stale answer by it
  co_await serve_stale(status);
  co_return true;
}

void CaptureExchange::reset() {
  abandon();
  inner_.reset();
}

boost::asio::awaitable<http::error_code> CaptureExchange::send_head(http::Response& r,
                                                                    bool end_stream) {
  const auto now = p_.clock->now();
  upstream_status_ = r.status;
  const auto& name = p_.rc->name;
  // A 200 to a HEAD sent to revalidate a stored GET updates it like a 304
  // (RFC 9111 4.3.5) unless its validators or length say the
  // representation changed.
  const bool head_update = p_.stale && p_.method == "HEAD" && r.status == 200 &&
                           same_representation(*p_.stale, r.headers);
  if (p_.stale && (r.status == 304 || head_update)) {
    // Revalidated: refresh the stored object, answer from it.
    auto updated = std::make_shared<const Object>(
        updated_by_304(*p_.stale, r.headers, p_.request_time, now));
    if (p_.store && !p_.store->replace(p_.stale, updated)) p_.store->insert(updated);
    decided();
    swallow_ = true;
    ServeOptions so;
    so.method = p_.method;
    so.client = &p_.client;
    so.age = current_age(*updated, now);
    const std::string cs = name + "; fwd=" + p_.fwd + "; fwd-status=" + std::to_string(r.status);
    so.cache_status = cs;
    so.strip_tag_headers = p_.rc->strip_tag_headers;
    co_return co_await serve_object(inner_, *updated, so);
  }
  if (!p_.stale && r.status == 304 && !p_.candidates.empty()) {
    // The origin chose one of the stored variants for this request.
    ObjectPtr chosen;
    const auto etag = r.headers.get("etag");
    for (const auto& c : p_.candidates) {
      const auto* e = c->header("etag");
      if (e && (!etag || *etag == *e)) {
        chosen = c;
        if (etag) break;
      }
    }
    if (chosen && (etag || p_.candidates.size() == 1)) {
      Object n = updated_by_304(*chosen, r.headers, p_.request_time, now);
      std::vector<std::string> names;
      for (const auto& f : n.vary) names.push_back(f.name);
      n.vary = vary_values(names, p_.client);
      auto updated = std::make_shared<const Object>(std::move(n));
      if (p_.store) p_.store->insert(updated);
      decided();
      swallow_ = true;
      ServeOptions so;
      so.method = p_.method;
      so.client = &p_.client;
      so.age = current_age(*updated, now);
      const std::string cs = name + "; fwd=" + p_.fwd + "; fwd-status=304";
      so.cache_status = cs;
      so.strip_tag_headers = p_.rc->strip_tag_headers;
      co_return co_await serve_object(inner_, *updated, so);
    }
  }
  if (p_.stale && p_.serve_stale_on_error && error_status(r.status))
    co_return co_await serve_stale(r.status);
  if (r.status == 304 && p_.mapped_if_none_match)
    if (auto e = r.headers.get("etag"))
      r.headers.set("etag", representation_etag(*e, p_.coding));

  // A forwarded response: store it when allowed.
  for (auto n : {"location", "content-location"})
    if (auto v = r.headers.get(n)) locations_.emplace_back(*v);
  auto o = std::make_shared<Object>();
  o->key = p_.key;
  o->url = p_.url;
  o->status = r.status;
  stored_fields(r.headers, now, o->headers);
  o->request_time = p_.request_time;
  o->response_time = now;
  bool star = false;
  o->vary = vary_values(vary_names(r.headers, p_.rc->vary, star), p_.client);
  o->vary_star = star;
  o->tags = p_.rc->tags;
  for (const auto& f : r.headers) {
    if (f.name == "surrogate-key") split_tags(f.value, ' ', o->tags);
    else if (f.name == "cache-tag") split_tags(f.value, ',', o->tags);
  }
  const auto resp_cc = response_cache_control(r.headers);
  const auto req_cc = parse_cache_control(p_.client);
  std::string_view why = p_.may_store ? not_storable_reason(p_.method, p_.client, req_cc, *o,
                                                            resp_cc, *p_.rc)
                                      : std::string_view("no-store");
  if (why.empty() && !p_.store) why = "no-store";
  if (degraded_) why = "degraded";
  if (why.empty() && !end_stream) make_variant(r, *o);
  if (why.empty()) {
    if (auto cl = r.headers.get("content-length")) {
      std::uint64_t n = 0;
      std::from_chars(cl->data(), cl->data() + cl->size(), n);
      if (n > p_.limit) why = "too-large";
      else body_.reserve(n);
    }
  }
  if (why.empty() && !resp_cc.omit_fields.empty()) {
    std::erase_if(o->headers, [&](const Field& f) {
      return std::find(resp_cc.omit_fields.begin(), resp_cc.omit_fields.end(), f.name) !=
             resp_cc.omit_fields.end();
    });
  }
  std::string cs = name + "; fwd=" + p_.fwd + "; fwd-status=" + std::to_string(r.status);
  if (degraded_) cs += "; detail=degraded";
  if (why.empty()) {
    obj_ = std::move(o);
    cs += "; stored";
  } else {
    // The origin no longer lets the stale object be stored (private,
    // no-store, ...): it must not be served stale any more either.
    if (p_.stale && p_.store && r.status < 500 && !degraded_) p_.store->erase(p_.key);
    decided();
  }
  append_cache_status(r.headers, cs);
  if (p_.rc->strip_tag_headers) {
    r.headers.remove("surrogate-key");
    r.headers.remove("cache-tag");
    r.headers.remove("surrogate-control");
  }
  auto ec = co_await inner_.send_head(r, end_stream);
  if (end_stream) {
    if (!ec) finish();
    else abandon();
  }
  co_return ec;
}

boost::asio::awaitable<http::error_code> CaptureExchange::send_body(std::span<const char> data,
                                                                    bool end_stream) {
  if (swallow_) co_return http::error_code{};
  if (enc_) {
    data = enc_->transform(data, end_stream, scratch_);
    if (data.empty() && !end_stream) co_return http::error_code{};
  }
  capture(data);
  auto ec = co_await inner_.send_body(data, end_stream);
  if (ec) abandon();
  else if (end_stream) finish();
  co_return ec;
}

boost::asio::awaitable<http::error_code> CaptureExchange::send_trailers(const http::Headers& t) {
  if (swallow_) co_return http::error_code{};
  if (enc_) {  // the encoder's last bytes go before the trailers
    const auto rest = enc_->transform({}, true, scratch_);
    capture(rest);
    if (!rest.empty()) {
      if (auto ec = co_await inner_.send_body(rest, false)) {
        abandon();
        co_return ec;
      }
    }
  }
  auto ec = co_await inner_.send_trailers(t);
  if (ec) abandon();
  else finish();  // trailers are not stored
  co_return ec;
}

}  // namespace strata::cache

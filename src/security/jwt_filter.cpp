#include "security/jwt_filter.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "http/ows.hpp"
#include "obs/metrics.hpp"

namespace strata::security {

namespace {

bool iequal_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

obs::Counter& jwt_counter(const std::string& route, const char* result) {
  return obs::counter("strata_security_jwt_total", "Route JWT checks by result",
                      {{"route", route}, {"result", result}});
}

}  // namespace

jwt::Keys load_route_jwt_keys(const config::RouteJwt& cfg) {
  jwt::Keys k;
  if (!cfg.hs256_secret_file.empty())
    k.hs256_secret = jwt::read_secret(cfg.hs256_secret_file, "jwt.hs256_secret_file");
  if (!cfg.rs256_public_key_file.empty())
    k.rs256_public_pem = jwt::read_file(cfg.rs256_public_key_file, "jwt.rs256_public_key_file");
  if (!cfg.es256_public_key_file.empty())
    k.es256_public_pem = jwt::read_file(cfg.es256_public_key_file, "jwt.es256_public_key_file");
  if (!cfg.jwks_file.empty())
    k.jwks = jwt::parse_jwks(jwt::read_file(cfg.jwks_file, "jwt.jwks_file"),
                             "jwt.jwks_file " + cfg.jwks_file);
  return k;
}

JwtFilter::JwtFilter(const config::RouteJwt& cfg, const std::string& route, jwt::UnixClock clock)
    : cfg_(cfg),
      verifier_(load_route_jwt_keys(cfg),
                jwt::Options{cfg.audience, cfg.issuer, std::int64_t(cfg.leeway.count())},
                std::move(clock)),
      ok_(&jwt_counter(route, "ok")),
      missing_(&jwt_counter(route, "missing")),
      invalid_(&jwt_counter(route, "invalid")),
      expired_(&jwt_counter(route, "expired")) {}

std::string_view JwtFilter::token_of(const config::RouteJwt& cfg, const http::Request& req) {
  if (auto h = req.headers.get(cfg.header)) {
    std::string_view v = http::trim_ows(*h);
    if (iequal_prefix(v, "bearer ")) v = http::trim_ows(v.substr(7));
    return v;
  }
  if (cfg.cookie.empty()) return {};
  for (const auto& f : req.headers) {
    if (f.name != "cookie") continue;
    std::string_view rest = f.value;
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = http::trim_ows(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || http::trim_ows(pair.substr(0, eq)) != cfg.cookie) continue;
      std::string_view val = http::trim_ows(pair.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      return val;
    }
  }
  return {};
}

filter::LocalReply JwtFilter::on_request(filter::Phase, http::Exchange& ex,
                                         http::RequestContext& ctx) const {
  auto& req = ex.request();
  const std::string_view token = token_of(cfg_, req);
  jwt::Result r;
  if (!token.empty()) r = verifier_.verify(token);
  for (const auto& [claim, header] : cfg_.claims_to_headers) req.headers.remove(header);
  if (token.empty()) {
    missing_->inc();
    return filter::local_reply(401, "jwt-missing", "unauthorized: a bearer token is required\n");
  }
  if (r.status == jwt::Status::expired) {
    expired_->inc();
    return filter::local_reply(401, "jwt-expired", "unauthorized: token expired\n");
  }
  if (!r.ok()) {
    invalid_->inc();
    return filter::local_reply(401, "jwt-invalid", "unauthorized: invalid token\n");
  }
  auto doc = nlohmann::json::parse(r.claims_json, nullptr, false);
  auto claims = std::make_shared<http::JwtClaims>();
  if (doc.is_object()) {
    claims->items.reserve(doc.size());
    for (auto it = doc.begin(); it != doc.end(); ++it)
      claims->items.emplace_back(it.key(), it->is_string()
                                               ? it->get<std::string>()
                                               : it->dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace));
  }
  for (const auto& [claim, header] : cfg_.claims_to_headers) {
    auto v = claims->find(claim);
    if (!v) continue;
    // Header values never carry CR, LF or NUL.
    std::string clean;
    clean.reserve(v->size());
    for (char ch : *v) clean += (ch == '\r' || ch == '\n' || ch == '\0') ? ' ' : ch;
    req.headers.set(header, clean);
  }
  ctx.jwt = std::move(claims);
  ok_->inc();
  return {};
}

void JwtFilter::on_local_reply(const http::RequestContext& ctx, http::Response& r) const {
  if (r.status != 401) return;
  const auto why = ctx.local_reason.view();
  if (why == "jwt-missing")
    r.headers.set("www-authenticate", "Bearer");
  else if (why == "jwt-expired")
    r.headers.set("www-authenticate", "Bearer error=\"invalid_token\", error_description=\"token expired\"");
  else if (why == "jwt-invalid")
    r.headers.set("www-authenticate", "Bearer error=\"invalid_token\"");
}

}  // namespace strata::security

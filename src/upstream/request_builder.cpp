#include "upstream/request_builder.hpp"

#include "filter/forwarding/forwarded.hpp"
#include "filter/forwarding/hop_by_hop.hpp"
#include "filter/forwarding/request_id.hpp"
#include "filter/forwarding/traceparent.hpp"

namespace strata::upstream {

namespace fwd = filter::forwarding;

void rewrite_target(std::string& out, std::string_view target, std::string_view matched_prefix,
                    const std::optional<std::string>& prefix_rewrite) {
  if (prefix_rewrite && !matched_prefix.empty() && target.starts_with(matched_prefix)) {
    out = *prefix_rewrite;
    const auto rest = target.substr(matched_prefix.size());
    // "/api" -> "/" with rest "/x" would give "//x": join on one slash.
    if (!out.empty() && out.back() == '/' && rest.starts_with('/')) out.pop_back();
    out += rest;
  } else {
    out = target;
  }
  if (out.empty() || (out.front() != '/' && out != "*")) out.insert(out.begin(), '/');
}

std::string rewrite_target(std::string_view target, std::string_view matched_prefix,
                           const std::optional<std::string>& prefix_rewrite) {
  std::string out;
  rewrite_target(out, target, matched_prefix, prefix_rewrite);
  return out;
}

pool::UpstreamRequest build_upstream_request(const http::Request& req, const http::ConnInfo& conn,
                                             const config::ProxyAction& action,
                                             std::string_view matched_prefix, bool h2_upstream,
                                             std::mt19937_64& rng, const http::RequestContext* ctx) {
  pool::UpstreamRequest out;
  build_upstream_request(out, req, conn, action, matched_prefix, h2_upstream, rng, ctx);
  return out;
}

void build_upstream_request(pool::UpstreamRequest& out, const http::Request& req,
                            const http::ConnInfo& conn, const config::ProxyAction& action,
                            std::string_view matched_prefix, bool h2_upstream,
                            std::mt19937_64& rng, const http::RequestContext* ctx) {
  out.method = req.method;
  out.scheme = req.scheme.empty() ? std::string_view("http") : std::string_view(req.scheme);
  rewrite_target(out.target, req.target, matched_prefix, action.prefix_rewrite);
  out.authority = action.host_rewrite ? std::string_view(*action.host_rewrite) : std::string_view(req.authority);
  out.headers = req.headers;
  out.headers.remove("host");
  out.headers.remove("content-length");
  const bool trailers = fwd::strip_hop_by_hop(out.headers);
  if (trailers && !h2_upstream) out.headers.remove("te");
  // The hop strata saw (the peer, or a PROXY header's source) joins the
  // chain; X-Real-IP is the client (ctx.client_ip: after trusted proxies).
  fwd::append_forwarded_for(out.headers, conn.peer_ip);
  if (out.headers.has("forwarded")) fwd::append_forwarded(out.headers, conn.peer_ip);
  fwd::set_forwarded_proto(out.headers, conn.tls ? "https" : (req.scheme.empty() ? "http" : req.scheme));
  fwd::set_real_ip(out.headers, ctx && !ctx->client_ip.empty() ? ctx->client_ip.view()
                                                                : std::string_view(conn.peer_ip));
  fwd::append_via(out.headers, req.protocol);
  if (ctx && !ctx->traceparent.empty()) {
    out.headers.set("traceparent", ctx->traceparent.view());
    if (!ctx->keep_tracestate) out.headers.remove("tracestate");
  } else {
    fwd::propagate_traceparent(out.headers, rng);
  }
  if (ctx && !ctx->request_id.empty()) out.headers.set("x-request-id", ctx->request_id.view());
  else fwd::ensure_request_id(out.headers, rng);
  out.content_length = req.content_length;
  out.has_body = req.has_body || (req.content_length && *req.content_length > 0);
  out.upgrade.clear();
}

std::string_view lb_key(const http::Request& req, const http::ConnInfo& conn,
                        const std::optional<config::HashOn>& on, std::string_view client_ip) {
  if (on && on->kind == config::HashOn::Kind::header) {
    if (auto v = req.headers.get(on->name); v && !v->empty()) return *v;
  } else if (on && on->kind == config::HashOn::Kind::cookie) {
    for (const auto& f : req.headers) {
      if (f.name != "cookie") continue;
      std::string_view rest = f.value;
      while (!rest.empty()) {
        const auto semi = rest.find(';');
        auto pair = rest.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == on->name && eq + 1 < pair.size())
          return pair.substr(eq + 1);
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
      }
    }
  }
  return client_ip.empty() ? std::string_view(conn.peer_ip) : client_ip;
}

}  // namespace strata::upstream

#include "upstream/request_builder.hpp"

#include <string>

#include "filter/forwarding/forwarded.hpp"
#include "filter/forwarding/hop_by_hop.hpp"
#include "filter/forwarding/request_id.hpp"
#include "filter/forwarding/traceparent.hpp"

namespace strata::upstream {

namespace fwd = filter::forwarding;

namespace {

// What build_upstream_request does with a client field, by name (names in
// http::Headers are lower case; the length picks the one candidate).
enum class Field { other, dropped, xff, forwarded, via, traceparent, tracestate, request_id };

Field classify(std::string_view n) {
  switch (n.size()) {
    case 3: return n == "via" ? Field::via : Field::other;
    case 4: return n == "host" ? Field::dropped : Field::other;
    case 9:
      if (n == "x-real-ip") return Field::dropped;
      return n == "forwarded" ? Field::forwarded : Field::other;
    case 10: return n == "tracestate" ? Field::tracestate : Field::other;
    case 11: return n == "traceparent" ? Field::traceparent : Field::other;
    case 12: return n == "x-request-id" ? Field::request_id : Field::other;
    case 14: return n == "content-length" ? Field::dropped : Field::other;
    case 15: return n == "x-forwarded-for" ? Field::xff : Field::other;
    case 17: return n == "x-forwarded-proto" ? Field::dropped : Field::other;
    default: return Field::other;
  }
}

}  // namespace

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
                                             core::FastRng& rng, const http::RequestContext* ctx) {
  pool::UpstreamRequest out;
  build_upstream_request(out, req, conn, action, matched_prefix, h2_upstream, rng, ctx);
  return out;
}

void build_upstream_request(pool::UpstreamRequest& out, const http::Request& req,
                            const http::ConnInfo& conn, const config::ProxyAction& action,
                            std::string_view matched_prefix, bool h2_upstream,
                            core::FastRng& rng, const http::RequestContext* ctx) {
  out.method = req.method;
  out.scheme = req.scheme.empty() ? std::string_view("http") : std::string_view(req.scheme);
  rewrite_target(out.target, req.target, matched_prefix, action.prefix_rewrite);
  out.authority = action.host_rewrite ? std::string_view(*action.host_rewrite) : std::string_view(req.authority);

  // One pass over the request's fields: the ones that go on are copied, in
  // their order; the ones strata rewrites are collected and added after
  // them (in this order: te, x-forwarded-for, forwarded, x-forwarded-proto,
  // x-real-ip, via, traceparent, x-request-id). Dropped: host and
  // content-length (the request line and the framing say them again),
  // hop-by-hop fields, and the fields strata sets.
  const fwd::HopByHop hop(req.headers);
  const bool trace_from_ctx = ctx && !ctx->traceparent.empty();
  const bool drop_tracestate = trace_from_ctx && !ctx->keep_tracestate;
  const bool id_from_ctx = ctx && !ctx->request_id.empty();
  std::string xff, forwarded, via;  // short ones stay in the strings (no allocation)
  bool had_forwarded = false;
  // The client's fields are borrowed, not copied: `req` outlives `out`
  // (run_tier builds it, sends it and drops it while the exchange holds
  // the request; a copy of `out`, e.g. for an upgrade, copies the bytes).
  // So are literal names and values that live as long as the exchange
  // (its context, the connection's peer address); only the joined chains
  // made here on the stack are copied.
  out.headers.clear();
  out.headers.reserve(req.headers.size() + 8);
  out.headers.reserve_bytes(256);  // room for what is copied below
  for (const auto& f : req.headers) {
    const std::string_view n = f.name;
    if (hop.drops(n)) continue;
    switch (classify(n)) {
      case Field::dropped:
        continue;
      case Field::xff:
        fwd::join_list(xff, f.value);
        continue;
      case Field::forwarded:
        had_forwarded = true;
        fwd::join_list(forwarded, f.value);
        continue;
      case Field::via:
        fwd::join_list(via, f.value);
        continue;
      case Field::traceparent:
        if (trace_from_ctx) continue;
        break;
      case Field::tracestate:
        if (drop_tracestate) continue;
        break;
      case Field::request_id:
        if (id_from_ctx) continue;
        break;
      case Field::other:
        break;
    }
    out.headers.append_borrowed(f);
  }
  if (hop.trailers() && h2_upstream) out.headers.append_borrowed({"te", "trailers"});  // HTTP/1.1 upstream: hop-by-hop
  // The hop strata saw (the peer, or a PROXY header's source) joins the
  // chain; X-Real-IP is the client (ctx.client_ip: after trusted proxies).
  fwd::join_list(xff, conn.peer_ip);
  out.headers.append_borrowed({"x-forwarded-for", out.headers.keep(xff)});
  if (had_forwarded) {
    fwd::join_forwarded_for(forwarded, conn.peer_ip);
    out.headers.append_borrowed({"forwarded", out.headers.keep(forwarded)});
  }
  out.headers.append_borrowed({"x-forwarded-proto",
                      conn.tls ? std::string_view("https")
                               : (req.scheme.empty() ? std::string_view("http") : std::string_view(req.scheme))});
  out.headers.append_borrowed({"x-real-ip", ctx && !ctx->client_ip.empty() ? ctx->client_ip.view()
                                                                  : std::string_view(conn.peer_ip)});
  fwd::join_via(via, req.protocol);
  out.headers.append_borrowed({"via", out.headers.keep(via)});
  if (trace_from_ctx) out.headers.append_borrowed({"traceparent", ctx->traceparent.view()});
  else fwd::propagate_traceparent(out.headers, rng);
  if (id_from_ctx) out.headers.append_borrowed({"x-request-id", ctx->request_id.view()});
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

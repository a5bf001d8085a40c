#include "filter/early_hints.hpp"

#include <algorithm>

#include "filter/early_hints_table.hpp"
#include "obs/metrics.hpp"

namespace strata::filter {

namespace {

constexpr std::string_view kHelp = "103 Early Hints responses sent, by route and source";

obs::Counter& sent_counter(std::string_view route, std::string_view source) {
  return obs::counter("strata_early_hints_sent_total", kHelp,
                      {{"route", std::string(route)}, {"source", std::string(source)}});
}

bool hintable(const http::Request& req) {
  return req.protocol != http::Protocol::http10 && req.method != "CONNECT" &&
         !http::is_upgrade_request(req);
}

std::string url_key(const http::Request& req) { return req.authority + req.target; }

}  // namespace

EarlyHintsFilter::EarlyHintsFilter(const config::EarlyHints& cfg, const std::string& route,
                                   const std::string& table_key)
    : cfg_(cfg) {
  if (cfg_.remember) table_ = link_table(table_key, cfg_.remember_max_urls);
  if (!cfg_.links.empty()) sent_config_ = &sent_counter(route, "config");
  if (cfg_.remember) sent_remember_ = &sent_counter(route, "remember");
}

EarlyHintsFilter::~EarlyHintsFilter() = default;

PhaseMask EarlyHintsFilter::phases() const { return cfg_.remember ? bit(Phase::response_head) : 0; }

void EarlyHintsFilter::on_response_head(const http::Request& req, http::RequestContext& ctx,
                                        http::Response& r) const {
  if (!table_ || req.method != "GET" || r.status < 200 || r.status > 299 ||
      !ctx.local_reason.empty())
    return;
  std::vector<std::string> links;
  for (const auto& f : r.headers)
    if (http::iequals(f.name, "link")) preload_links(f.value, links);
  table_->put(url_key(req), std::move(links));
}

std::optional<http::Response> EarlyHintsFilter::hints(const http::Request& req) const {
  if (!hintable(req) || (cfg_.links.empty() && !table_)) return std::nullopt;
  http::Response r;
  r.status = 103;
  for (const auto& l : cfg_.links) r.headers.add("link", l);
  if (table_) {
    for (auto& l : table_->get(url_key(req))) {
      const bool dup = std::any_of(cfg_.links.begin(), cfg_.links.end(),
                                   [&](const std::string& c) { return c == l; });
      if (!dup) r.headers.add("link", l);
    }
  }
  if (r.headers.empty()) return std::nullopt;
  return r;
}

boost::asio::awaitable<void> EarlyHintsFilter::send(http::Exchange& ex) const {
  auto r = hints(ex.request());
  if (!r) co_return;
  if (auto ec = co_await ex.send_interim(*r); ec) co_return;
  if (!cfg_.links.empty())
    sent_config_->inc();
  else
    sent_remember_->inc();
}

boost::asio::awaitable<http::error_code> relay_early_hints(http::Exchange& ex,
                                                           const http::Response& r) {
  auto* ctx = ex.context();
  if (ctx && !ctx->early_hints_relay) co_return http::error_code{};
  auto ec = co_await ex.send_interim(r);
  if (!ec && ctx && !ctx->route.empty() && hintable(ex.request()))
    sent_counter(ctx->route, "upstream").inc();
  co_return ec;
}

}  // namespace strata::filter

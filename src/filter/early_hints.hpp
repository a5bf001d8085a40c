// 103 Early Hints (RFC 8297) of one route (config::EarlyHints,
// docs/delivery.md). Built once per route by the pipeline
// (router/pipeline.cpp), shared like any filter.
//
//  - hints(): before the route's action runs, the pipeline sends the 103
//    this returns: the route's configured `links` followed by the links
//    remembered for the request's URL (duplicates dropped). Never for
//    HTTP/1.0 (the codec would drop it; nothing is counted), CONNECT or
//    protocol-switch requests.
//  - `remember`: as a response_head filter it records, for GET requests
//    answered 2xx by the action (not local replies), the preload,
//    modulepreload and preconnect Link field values of the final response
//    in a bounded per-route table (filter/early_hints_table.hpp); a 2xx
//    without such links forgets the URL. The key is authority + target.
//  - relay_early_hints(): what the upstream clients (upstream/pool) call
//    for an upstream's 103: relayed unless the route says `relay: false`.
//
// Metric: strata_early_hints_sent_total{route, source}: one per 103 sent,
// source "config" (the route's links, with or without remembered ones),
// "remember" (only remembered links) or "upstream" (a relayed 103).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "config/delivery.hpp"
#include "filter/filter.hpp"

namespace strata::obs {
class Counter;
}

namespace strata::filter {

class LinkTable;

class EarlyHintsFilter final : public Filter {
 public:
  // `route` labels the metric; `table_key` names the remember table
  // (unique per route across route tables).
  EarlyHintsFilter(const config::EarlyHints& cfg, const std::string& route,
                   const std::string& table_key);
  ~EarlyHintsFilter() override;

  std::string_view name() const override { return "early_hints"; }
  PhaseMask phases() const override;
  void on_response_head(const http::Request& req, http::RequestContext& ctx,
                        http::Response& r) const override;

  // The 103 to send for `req` before the action, or nullopt (nothing to
  // hint, HTTP/1.0, CONNECT, upgrade).
  std::optional<http::Response> hints(const http::Request& req) const;
  // Sends hints(ex.request()) on `ex` when there are any and counts it.
  // Errors are ignored: the final response reports a dead client.
  boost::asio::awaitable<void> send(http::Exchange& ex) const;
  bool relay() const { return cfg_.relay; }

 private:
  config::EarlyHints cfg_;
  std::shared_ptr<LinkTable> table_;  // null unless `remember`
  obs::Counter* sent_config_ = nullptr;
  obs::Counter* sent_remember_ = nullptr;
};

// Relays an upstream's 103 `r` onto `ex` (the upstream clients call this
// instead of send_interim): dropped, returning success, when the request's
// route has `early_hints.relay: false` (RequestContext::early_hints_relay);
// counted as source "upstream" when it went out to an HTTP/1.1+ client.
boost::asio::awaitable<http::error_code> relay_early_hints(http::Exchange& ex,
                                                           const http::Response& r);

}  // namespace strata::filter

#include "filter/header_edits.hpp"

namespace strata::filter {

HeaderEdits::HeaderEdits(config::HeaderEdits edits, Phase request_phase) : e_(std::move(edits)) {
  for (auto* names : {&e_.request_remove, &e_.response_remove})
    for (auto& n : *names) n = http::to_lower(n);
  for (auto* fields : {&e_.request_add, &e_.response_add})
    for (auto& f : *fields) f.first = http::to_lower(f.first);
  if (!e_.request_add.empty() || !e_.request_remove.empty()) phases_ |= bit(request_phase);
  if (!e_.response_add.empty() || !e_.response_remove.empty()) phases_ |= bit(Phase::response_head);
}

LocalReply HeaderEdits::on_request(Phase, http::Exchange& ex, http::RequestContext&) const {
  auto& h = ex.request().headers;
  for (const auto& n : e_.request_remove) h.remove(n);
  for (const auto& [k, v] : e_.request_add) h.set(k, v);
  return {};
}

void HeaderEdits::on_response_head(const http::Request&, http::RequestContext&,
                                   http::Response& r) const {
  for (const auto& n : e_.response_remove) r.headers.remove(n);
  for (const auto& [k, v] : e_.response_add) r.headers.set(k, v);
}

}  // namespace strata::filter

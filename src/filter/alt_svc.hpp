// Alt-Svc as a listener response_head filter: on a TLS listener that also
// serves HTTP/3 (and has `alt_svc: true`, the default), responses sent over
// HTTP/1.x and HTTP/2 advertise it, e.g. `h3=":443"; ma=86400`
// (server/server.cpp builds the value from the bound UDP port and
// quic.alt_svc_max_age). A response that already has Alt-Svc keeps it.
// Responses the codecs generate themselves (400, 413, 431 before a request
// reaches the pipeline) carry no Alt-Svc.
#pragma once
#include <string>

#include "filter/filter.hpp"

namespace strata::filter {

class AltSvc final : public Filter {
 public:
  explicit AltSvc(std::string value) : value_(std::move(value)) {}
  std::string_view name() const override { return "alt_svc"; }
  PhaseMask phases() const override { return bit(Phase::response_head); }
  void on_response_head(const http::Request& req, http::RequestContext&,
                        http::Response& r) const override {
    if (req.protocol != http::Protocol::h3 && !r.headers.has("alt-svc"))
      r.headers.add("alt-svc", value_);
  }

 private:
  std::string value_;
};

}  // namespace strata::filter

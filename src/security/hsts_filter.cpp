#include "security/hsts_filter.hpp"

namespace strata::security {

HstsFilter::HstsFilter(const config::Hsts& h)
    : value_("max-age=" + std::to_string(h.max_age.count())) {
  if (h.include_subdomains) value_ += "; includeSubDomains";
  if (h.preload) value_ += "; preload";
}

void HstsFilter::on_response_head(const http::Request& req, http::RequestContext&,
                                  http::Response& r) const {
  if (req.scheme != "https") return;
  r.headers.set("strict-transport-security", value_);
}

}  // namespace strata::security

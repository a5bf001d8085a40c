#include "security/client_cert_filter.hpp"

#include <stdexcept>

#include <re2/re2.h>

#include "obs/metrics.hpp"

namespace strata::security {

ClientCertHeaders::ClientCertHeaders(const config::ClientCertificates& cc)
    : subject_header_(cc.subject_header), san_header_(cc.san_header) {}

filter::LocalReply ClientCertHeaders::on_request(filter::Phase, http::Exchange& ex,
                                                 http::RequestContext&) const {
  auto& req = ex.request();
  if (!subject_header_.empty()) req.headers.remove(subject_header_);
  if (!san_header_.empty()) req.headers.remove(san_header_);
  const auto& c = ex.conn();
  if (!c.client_cert_verified) return {};
  if (!subject_header_.empty()) req.headers.set(subject_header_, c.client_cert_subject);
  if (!san_header_.empty() && !c.client_cert_san.empty())
    req.headers.set(san_header_, c.client_cert_san);
  return {};
}

ClientSubject::ClientSubject(const std::string& pattern)
    : re_(std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet)) {
  if (!re_->ok()) throw std::invalid_argument("require_client_subject: " + re_->error());
}

ClientSubject::~ClientSubject() = default;

filter::LocalReply ClientSubject::on_request(filter::Phase, http::Exchange& ex,
                                             http::RequestContext& ctx) const {
  const auto& c = ex.conn();
  if (c.client_cert_verified && re2::RE2::FullMatch(c.client_cert_subject, *re_)) return {};
  // Rare (a refusal): the registry lookup is fine here.
  obs::counter("strata_security_client_cert_total", "Client certificates on mTLS listeners by result",
               {{"listener", std::string(ctx.listener)}, {"result", "subject_denied"}})
      .inc();
  return filter::local_reply(403, "client-subject", "forbidden: client certificate required\n");
}

}  // namespace strata::security

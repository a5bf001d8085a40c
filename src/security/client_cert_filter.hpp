// Client certificates (mTLS) as filters (docs/security.md "Client
// certificates"). The TLS side (asking for, verifying the certificate) is
// io/tls_context; conn/accept fills http::ConnInfo::client_cert_*.
//
// ClientCertHeaders (listener chain, request_pre_route; only on listeners
// with tls.client_certificates mode optional|required): removes the
// configured subject_header and san_header from every request (a client
// never sets them itself), then sets them from the connection's verified
// certificate (RFC 2253 subject; SAN list "DNS:a, email:b, IP:c, URI:d").
//
// ClientSubject (route chain, request_post_route; route
// security.require_client_subject): 403 (reason "client-subject") unless
// the connection has a verified client certificate whose subject fully
// matches the RE2 pattern; counted in strata_security_client_cert_total
// {listener,result="subject_denied"}.
// Thread: immutable once built; shared by all workers.
#pragma once
#include <memory>
#include <string>

#include "config/security.hpp"
#include "filter/filter.hpp"

namespace re2 {
class RE2;
}

namespace strata::security {

class ClientCertHeaders final : public filter::Filter {
 public:
  explicit ClientCertHeaders(const config::ClientCertificates& cc);
  std::string_view name() const override { return "client_cert_headers"; }
  filter::PhaseMask phases() const override { return filter::bit(filter::Phase::request_pre_route); }
  filter::LocalReply on_request(filter::Phase, http::Exchange& ex,
                                http::RequestContext& ctx) const override;

 private:
  std::string subject_header_, san_header_;
};

class ClientSubject final : public filter::Filter {
 public:
  // Throws std::invalid_argument on a bad pattern (the loader checks first).
  explicit ClientSubject(const std::string& pattern);
  ~ClientSubject() override;
  std::string_view name() const override { return "client_subject"; }
  filter::PhaseMask phases() const override { return filter::bit(filter::Phase::request_post_route); }
  filter::LocalReply on_request(filter::Phase, http::Exchange& ex,
                                http::RequestContext& ctx) const override;

 private:
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace strata::security

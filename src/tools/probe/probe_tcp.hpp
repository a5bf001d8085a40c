// One probe attempt over TCP (+TLS): HTTP/1.1 or HTTP/2. Blocking, bounded
// by a per-attempt deadline.
#pragma once
#include <string>
#include <vector>

#include <openssl/types.h>

struct sockaddr;

#include "tools/load/options.hpp"
#include "tools/probe/probe.hpp"

namespace strata::tools::probe {

// TLS state kept across attempts so -n > 1 shows session resumption.
class ProbeTls {
 public:
  ProbeTls(Proto p);  // ALPN per protocol choice; throws on OpenSSL failure
  ~ProbeTls();
  ProbeTls(const ProbeTls&) = delete;
  ProbeTls& operator=(const ProbeTls&) = delete;
  SSL_CTX* ctx() const { return ctx_; }
  SSL_SESSION* session() const { return session_; }
  void set_session(SSL_SESSION* s);  // takes a reference

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL_SESSION* session_ = nullptr;
};

Attempt probe_tcp(const ProbeOptions& opt, const load::Target& target, ProbeTls* tls);

// The numeric address of an IPv4 or IPv6 socket address, no port.
std::string addr_str(const sockaddr* sa);

}  // namespace strata::tools::probe

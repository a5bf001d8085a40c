// Extracts what the probe reports about a finished TLS handshake. No I/O.
#pragma once
#include <openssl/types.h>

#include "tools/probe/probe.hpp"

namespace strata::tools::probe {

// Fills version, cipher, ALPN, resumption, verification result, the peer
// chain (subject, issuer, notAfter, SANs) and SCT log ids.
void collect_tls_info(SSL* ssl, Attempt& a);

// Appends the chain summary of DER certificates (leaf first) to a.chain;
// unparseable ones are skipped. (HTTP/3: GnuTLS hands out DER.)
void collect_chain_der(const std::vector<std::string>& der, Attempt& a);

}  // namespace strata::tools::probe

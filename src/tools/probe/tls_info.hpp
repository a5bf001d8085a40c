// Extracts what the probe reports about a finished TLS handshake. No I/O.
#pragma once
#include <openssl/types.h>

#include "tools/probe/probe.hpp"

namespace strata::tools::probe {

// Fills version, cipher, ALPN, resumption, verification result, the peer
// chain (subject, issuer, notAfter, SANs) and SCT log ids.
void collect_tls_info(SSL* ssl, Attempt& a);

}  // namespace strata::tools::probe

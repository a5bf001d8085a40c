// Authentication of admin requests (config::AdminAuth, docs/security.md
// "The admin API"). With a token configured every admin request, read or
// write, on any address, must carry "Authorization: Bearer <token>"; a
// missing or wrong one gets 401 with `WWW-Authenticate: Bearer
// realm="strata admin"` and counts in strata_admin_auth_failures_total
// {reason="missing"|"wrong"}. Client-certificate auth is done by the admin
// listener's TLS (admin_tls.hpp). Nothing here logs or returns the token.
#pragma once
#include <string>
#include <string_view>

#include "config/security.hpp"

namespace strata::admin {

// The bearer token: auth.token, or the first line of auth.token_file
// (trailing CR/LF stripped); "" when neither is set. Throws
// std::runtime_error naming the file (never its content) when the file
// cannot be read or holds an empty first line. Any thread.
std::string read_admin_token(const config::AdminAuth& auth);

// Outcome of checking one request's Authorization field against `token`.
enum class AuthResult { ok, missing, wrong };

// `authorization` is the field's value (nullptr-free view; empty = absent).
// Scheme "Bearer" is case-insensitive; the token is compared in constant
// time (SHA-256 of both, CRYPTO_memcmp). `token` empty -> ok (no auth).
AuthResult check_bearer(std::string_view authorization, bool present, std::string_view token);

// Counts a failure in strata_admin_auth_failures_total{reason} (reason
// "missing", "wrong" or "client_certificate"). Any thread.
void count_auth_failure(std::string_view reason);

}  // namespace strata::admin

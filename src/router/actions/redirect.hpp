// The redirect action: answers with a 3xx and a Location built from the
// request with the configured scheme/host/port/path replaced (a local reply,
// filter/local_reply.hpp, reason "redirect").
#pragma once
#include <string>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace strata::router {

// The absolute Location for `req`. Scheme defaults to the request's ("http"
// when unknown). The port is the configured one; else the request's own
// port when neither scheme nor host changed; it is omitted when it is the
// scheme's default. The path is replaced when configured; the query is kept
// when keep_query.
std::string redirect_location(const config::RedirectAction& a, const http::Request& req);

boost::asio::awaitable<void> run_redirect(http::Exchange& ex, const config::RedirectAction& a);

}  // namespace strata::router

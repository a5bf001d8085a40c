// Small HTTP helpers the hub's JSON endpoints share (the publish API and
// the client publish on a `hub:` route): a bounded request body read and a
// JSON response. Thread: the exchange's worker.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"

namespace strata::hub::api {

// Reads the whole request body, at most `max` bytes. nullopt: over the
// limit (`too_big` set: answer 413) or the client failed.
boost::asio::awaitable<std::optional<std::string>> read_body_bounded(http::Exchange& ex, std::size_t max,
                                                                     bool& too_big);

// A complete `application/json` response, `cache-control: no-store`, and
// one optional extra field.
boost::asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body,
                                       std::string_view extra_name = {},
                                       std::string_view extra_value = {});

}  // namespace strata::hub::api

// Which stored URLs a purge by prefix reaches (Store::purge_prefix,
// DiskTier::purge_prefix): an Object::url is "scheme://authority/target".
// A prefix starting with '/' matches the target part of any host's url;
// any other prefix matches the url from its start. Pure; any thread.
#pragma once
#include <string_view>

namespace strata::cache {

// The "/target" part of "scheme://authority/target" ("/" when absent).
std::string_view url_target(std::string_view url);

bool url_matches_prefix(std::string_view url, std::string_view prefix);

}  // namespace strata::cache

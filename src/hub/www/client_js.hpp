// The hub's JavaScript client (src/hub/www/strata-hub.js), embedded in the
// binary at build time so every `hub:` route serves it at
// <prefix>/strata-hub.js with no file on disk.
#pragma once
#include <string_view>

namespace strata::hub {

std::string_view client_js();

}  // namespace strata::hub

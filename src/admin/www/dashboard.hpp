// The admin dashboard page (src/admin/www/dashboard.html), embedded at build
// time: one HTML file with inline CSS and JavaScript that polls /stats,
// /config, /clusters and /hub/channels every second. Served at /dashboard.
#pragma once
#include <string_view>

namespace strata::admin {

std::string_view dashboard_html();

}  // namespace strata::admin

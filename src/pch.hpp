// Precompiled header for strata_lib: the heavy, stable third-party headers.
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/core.hpp>
#include <string>
#include <string_view>
#include <vector>
#include <memory>
#include <optional>
#include <functional>

// Precompiled header for strata_lib: the heavy, stable third-party headers.
#pragma once
// First: Asio coroutine frames from core/frame_pool (must precede every Asio use).
#include "core/asio_frame_hook.hpp"
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

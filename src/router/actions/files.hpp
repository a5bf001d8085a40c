// The files action: serves static files from a directory. GET and HEAD only
// (405 otherwise). The request path (minus the route's matched prefix when
// strip_prefix) is percent-decoded and mapped under the root; ".." segments
// are refused (403) and the resolved real path must stay under the real
// root, so symlinks cannot escape it (404). Directories serve their index
// file (a path without the trailing '/' is redirected to it first).
// Responses carry Content-Type (by extension), Content-Length, ETag (size
// and mtime), Last-Modified and Accept-Ranges; If-None-Match and
// If-Modified-Since give 304; a single Range gives 206 (If-Range honoured),
// an unsatisfiable one 416, several ranges the whole file. The body is read
// with pread in chunks of at most kChunk bytes and handed to send_body one
// chunk at a time, so memory per request is bounded. File system calls are
// blocking and run on the worker thread.
#pragma once
#include <cstddef>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "config/config.hpp"
#include "http/exchange.hpp"

namespace strata::router {

class FilesHandler {
 public:
  static constexpr std::size_t kChunk = 64 * 1024;

  // Throws RouteError when `cfg.root` is not an existing directory.
  FilesHandler(const config::FilesAction& cfg, const config::Location& loc);

  // Always finishes the exchange.
  boost::asio::awaitable<void> serve(http::Exchange& ex, std::string_view matched_prefix) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;   // real path, no trailing '/'
  std::string index_;
  bool strip_prefix_;
};

// Percent-decodes `in` into `out`; false on a malformed escape or a NUL.
bool percent_decode_path(std::string_view in, std::string& out);

}  // namespace strata::router

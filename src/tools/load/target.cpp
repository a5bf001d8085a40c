#include <stdexcept>

#include <boost/url/parse.hpp>

#include "tools/load/options.hpp"

namespace strata::tools::load {

Target parse_target(const std::vector<std::string>& urls) {
  if (urls.empty()) throw std::invalid_argument("no URL given");
  Target t;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto r = boost::urls::parse_uri(urls[i]);
    if (!r) throw std::invalid_argument("bad URL: " + urls[i]);
    const std::string scheme(r->scheme());
    if (scheme != "http" && scheme != "https")
      throw std::invalid_argument("unsupported scheme (http or https): " + urls[i]);
    const bool tls = scheme == "https";
    // host_address() already strips the IPv6 brackets.
    std::string host(r->encoded_host_address());
    std::string port = r->has_port() ? std::string(r->port()) : (tls ? "443" : "80");
    std::string authority(r->encoded_authority());
    if (host.empty()) throw std::invalid_argument("URL has no host: " + urls[i]);
    std::string path(r->encoded_path());
    if (path.empty()) path.push_back('/');
    if (r->has_query()) {
      const auto q = r->encoded_query();
      path.push_back('?');
      path.append(q.data(), q.size());
    }
    if (i == 0) {
      t.tls = tls;
      t.host = host;
      t.port = port;
      t.authority = authority;
    } else if (t.tls != tls || t.host != host || t.port != port) {
      throw std::invalid_argument("all URLs must share scheme, host and port: " + urls[i]);
    }
    t.paths.push_back(std::move(path));
  }
  return t;
}

}  // namespace strata::tools::load

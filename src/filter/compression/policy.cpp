#include "filter/compression/policy.hpp"

#include <charconv>

#include "http/ows.hpp"

namespace strata::filter::compression {

namespace {

using http::trim_ows;

constexpr std::array<std::string_view, std::size_t(Skip::count)> kSkipNames = {
    "none", "method", "status", "range", "encoded", "no_transform",
    "sse",  "type",   "small",  "not_accepted"};

}  // namespace

std::string_view skip_name(Skip s) { return kSkipNames[std::size_t(s)]; }

bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view t = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (const auto eq = t.find('='); eq != std::string_view::npos) t = t.substr(0, eq);
    if (http::iequals(trim_ows(t), token)) return true;
  }
  return false;
}

void add_vary_accept_encoding(http::Headers& h) {
  const std::string v = h.joined("vary");
  if (trim_ows(v).empty()) {
    h.set("vary", "Accept-Encoding");
    return;
  }
  if (has_token(v, "accept-encoding") || has_token(v, "*")) return;
  h.set("vary", v + ", Accept-Encoding");
}

Policy::Policy(const config::CompressionConfig& c) : min_length_(c.min_length) {
  for (const auto& name : c.encodings)
    if (auto e = encoding_from_name(name)) preference_.push_back(*e);
  for (const auto& t : c.types) {
    const std::string lt = http::to_lower(t);
    if (lt.ends_with("/*")) prefixes_.push_back(lt.substr(0, lt.size() - 1));
    else exact_.push_back(lt);
  }
  levels_[std::size_t(Encoding::gzip)] = c.gzip_level;
  levels_[std::size_t(Encoding::br)] = c.br_level;
  levels_[std::size_t(Encoding::zstd)] = c.zstd_level;
}

bool Policy::type_listed(std::string_view content_type) const {
  const std::string t = http::to_lower(trim_ows(content_type.substr(0, content_type.find(';'))));
  if (t.empty()) return false;
  for (const auto& e : exact_)
    if (t == e) return true;
  for (const auto& p : prefixes_)
    if (t.starts_with(p)) return true;
  return false;
}

void set_encoded_head(http::Headers& h, Encoding e) {
  h.set("content-encoding", encoding_name(e));
  h.remove("content-length");
  h.remove("accept-ranges");
}

Skip Policy::check(const http::Request& req, const http::Response& head) const {
  if (req.method == "HEAD" || req.method == "CONNECT") return Skip::method;
  return check_response(head, has_token(req.headers.joined("cache-control"), "no-transform"));
}

Skip Policy::check_response(const http::Response& head, bool request_no_transform) const {
  if (head.status < 200 || head.status == 204 || head.status == 304) return Skip::status;
  if (head.status == 206 || head.headers.has("content-range")) return Skip::range;
  if (head.headers.has("content-encoding")) return Skip::encoded;
  if (request_no_transform || has_token(head.headers.joined("cache-control"), "no-transform"))
    return Skip::no_transform;
  const auto ct = head.headers.get("content-type");
  if (!ct) return Skip::type;
  if (http::iequals(trim_ows(ct->substr(0, ct->find(';'))), "text/event-stream")) return Skip::sse;
  if (!type_listed(*ct)) return Skip::type;
  if (const auto cl = head.headers.get("content-length")) {
    const auto v = trim_ows(*cl);
    std::uint64_t n = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
    if (r.ec == std::errc{} && r.ptr == v.data() + v.size() && n < min_length_) return Skip::small;
  }
  return Skip::none;
}

}  // namespace strata::filter::compression

#include "cache/encoded_variant.hpp"

#include "filter/compression/negotiate.hpp"
#include "filter/compression/policy.hpp"

namespace strata::cache {

std::string_view variant_coding(const Object& o) {
  for (const auto& f : o.vary)
    if (f.name == kCodingMember) return f.value;
  return {};
}

bool is_encoded_coding(std::string_view c) { return c == "zstd" || c == "br" || c == "gzip"; }

std::string_view request_coding(const filter::compression::Policy* policy,
                                const http::Headers& req) {
  namespace comp = filter::compression;
  if (!policy) return {};
  if (req.has("range") || comp::has_token(req.joined("cache-control"), "no-transform"))
    return kIdentity;
  if (!req.has("accept-encoding")) return kIdentity;
  const auto e = comp::negotiate(req.joined("accept-encoding"), policy->preference());
  return e ? comp::encoding_name(*e) : kIdentity;
}

std::string representation_etag(std::string_view etag, std::string_view coding) {
  if (etag.empty() || !is_encoded_coding(coding)) return std::string(etag);
  std::string_view t = etag;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  if (t.substr(0, 2) == "W/") t.remove_prefix(2);
  if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
  std::string out = "W/\"";
  out += t;
  out += '-';
  out += coding;
  out += '"';
  return out;
}

std::string object_etag(const Object& o) {
  const auto* e = o.header("etag");
  return e ? representation_etag(*e, variant_coding(o)) : std::string();
}

std::string origin_if_none_match(std::string_view field) {
  std::string out;
  bool added = false;
  std::size_t i = 0;
  while (i < field.size()) {
    while (i < field.size() && (field[i] == ' ' || field[i] == '\t' || field[i] == ',')) ++i;
    if (i >= field.size()) break;
    // One entity-tag: [W/]"opaque" (opaque has no '"'), or a bare token.
    const std::size_t start = i;
    if (field.compare(i, 2, "W/") == 0) i += 2;
    if (i < field.size() && field[i] == '"') {
      const auto close = field.find('"', i + 1);
      i = close == std::string_view::npos ? field.size() : close + 1;
    } else {
      while (i < field.size() && field[i] != ',') ++i;
    }
    const auto tag = field.substr(start, i - start);
    if (!out.empty()) out += ", ";
    out += tag;
    if (tag.size() > 4 && tag.substr(0, 3) == "W/\"" && tag.back() == '"') {
      const auto opaque = tag.substr(3, tag.size() - 4);
      const auto dash = opaque.rfind('-');
      if (dash != std::string_view::npos && dash > 0 && is_encoded_coding(opaque.substr(dash + 1))) {
        out += ", \"";
        out += opaque.substr(0, dash);
        out += '"';
        added = true;
      }
    }
  }
  return added ? out : std::string();
}

}  // namespace strata::cache

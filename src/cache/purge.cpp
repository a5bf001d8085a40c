#include "cache/purge.hpp"

#include <nlohmann/json.hpp>

#include "cache/store.hpp"
#include "obs/metrics.hpp"

namespace strata::cache {

namespace {

struct PurgeMetrics {
  obs::Counter& tag;
  obs::Counter& url;
  obs::Counter& prefix;
  obs::Counter& all;
  static PurgeMetrics& get() {
    static constexpr std::string_view kHelp = "Cache purge items applied on this node, by kind";
    static PurgeMetrics m{obs::counter("strata_cache_purges_total", kHelp, {{"kind", "tag"}}),
                          obs::counter("strata_cache_purges_total", kHelp, {{"kind", "url"}}),
                          obs::counter("strata_cache_purges_total", kHelp, {{"kind", "prefix"}}),
                          obs::counter("strata_cache_purges_total", kHelp, {{"kind", "all"}})};
    return m;
  }
};

bool strings(const nlohmann::json& j, std::string_view name, std::vector<std::string>& out, std::string& error) {
  if (!j.is_array()) {
    error = std::string(name) + " must be an array of strings";
    return false;
  }
  for (const auto& v : j) {
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      error = std::string(name) + " must hold non-empty strings";
      return false;
    }
    out.push_back(v.get<std::string>());
  }
  return true;
}

}  // namespace

std::optional<PurgeRequest> parse_purge_json(std::string_view body, std::string& error) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "the body must be a JSON object";
    return std::nullopt;
  }
  PurgeRequest r;
  for (const auto& [k, v] : j.items()) {
    if (k == "tags") {
      if (!strings(v, k, r.tags, error)) return std::nullopt;
    } else if (k == "urls") {
      if (!strings(v, k, r.urls, error)) return std::nullopt;
    } else if (k == "prefixes") {
      if (!strings(v, k, r.prefixes, error)) return std::nullopt;
    } else if (k == "all" || k == "soft") {
      if (!v.is_boolean()) {
        error = k + " must be true or false";
        return std::nullopt;
      }
      (k == "all" ? r.all : r.soft) = v.get<bool>();
    } else if (k != "node" && k != "v") {  // the bus's members
      error = "unknown member " + k + " (tags, urls, prefixes, all, soft)";
      return std::nullopt;
    }
  }
  if (r.tags.size() + r.urls.size() + r.prefixes.size() > kMaxPurgeItems) {
    error = "at most " + std::to_string(kMaxPurgeItems) + " items per purge";
    return std::nullopt;
  }
  if (r.empty()) {
    error = "nothing to purge: give tags, urls, prefixes or all: true";
    return std::nullopt;
  }
  return r;
}

std::string purge_json(const PurgeRequest& r, std::string_view node) {
  nlohmann::json j = nlohmann::json::object();
  if (!node.empty()) j["node"] = std::string(node);
  j["tags"] = r.tags;
  j["urls"] = r.urls;
  j["prefixes"] = r.prefixes;
  j["all"] = r.all;
  j["soft"] = r.soft;
  return j.dump();
}

void register_purge_metrics() { PurgeMetrics::get(); }

void count_purge_items(const PurgeRequest& r) {
  auto& m = PurgeMetrics::get();
  m.tag.inc(r.tags.size());
  m.url.inc(r.urls.size());
  m.prefix.inc(r.prefixes.size());
  if (r.all) m.all.inc();
}

PurgeCounts apply_purge(Store& store, const PurgeRequest& r) {
  const PurgeMode mode = r.soft ? PurgeMode::soft : PurgeMode::hard;
  PurgeCounts c;
  if (r.all) c.all = store.purge_all(mode);
  for (const auto& t : r.tags) c.tags += store.purge_tag(t, mode);
  for (const auto& u : r.urls) c.urls += store.purge_url(u, mode);
  for (const auto& p : r.prefixes) c.prefixes += store.purge_prefix(p, mode);
  count_purge_items(r);
  return c;
}

}  // namespace strata::cache

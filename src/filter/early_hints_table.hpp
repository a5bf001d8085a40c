// The `remember` table of a route's 103 Early Hints (filter/early_hints.hpp):
// URL -> the preload/preconnect Link field values of the URL's last final
// response, bounded to `max_urls` entries (least recently used evicted).
// Thread-safe (a mutex): one table per route, shared by every worker and
// kept across reloads through link_table() while its route exists. The registry's tables report
// strata_early_hints_remembered_urls{table} and
// strata_early_hints_evicted_total{table}.
#pragma once
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace strata::obs {
class Counter;
class Gauge;
}  // namespace strata::obs

namespace strata::filter {

// At most this many links per URL and bytes per link are remembered.
inline constexpr std::size_t kMaxRememberedLinks = 16;
inline constexpr std::size_t kMaxRememberedLinkBytes = 1024;

class LinkTable {
 public:
  // `urls` (entries held) and `evicted` (entries dropped by the bound) are
  // optional metrics, updated under the table's lock.
  explicit LinkTable(std::size_t max_urls, obs::Gauge* urls = nullptr,
                     obs::Counter* evicted = nullptr)
      : max_(max_urls ? max_urls : 1), urls_(urls), evicted_(evicted) {}
  ~LinkTable();
  LinkTable(const LinkTable&) = delete;
  LinkTable& operator=(const LinkTable&) = delete;

  // Stores `links` for `url` (empty: forgets the URL), evicting the least
  // recently used URL over the bound.
  void put(std::string_view url, std::vector<std::string> links);
  // The links of `url` (empty when unknown); marks it recently used.
  std::vector<std::string> get(std::string_view url);
  // Changes the bound (a reload), evicting down to it.
  void set_max(std::size_t max_urls);
  std::size_t size() const;

 private:
  struct Entry {
    std::string url;
    std::vector<std::string> links;
  };
  void evict_locked();
  void report_locked();

  mutable std::mutex mu_;
  std::size_t max_;
  obs::Gauge* urls_;
  obs::Counter* evicted_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views into lru_
};

// The process-wide table of route `key` (listener route table + route name),
// created on first use and resized to `max_urls` when it exists. The
// registry holds tables weakly: a table is freed (its gauge set to 0) when
// no route snapshot uses it any more, i.e. after a reload removed its route.
std::shared_ptr<LinkTable> link_table(const std::string& key, std::size_t max_urls);

// The preload/preconnect entries of a Link field value (RFC 8288): the
// comma-separated link-values whose `rel` names preload, modulepreload or
// preconnect, each trimmed; at most kMaxRememberedLinks, each at most
// kMaxRememberedLinkBytes (longer ones dropped). Appends to `out`.
void preload_links(std::string_view field, std::vector<std::string>& out);

}  // namespace strata::filter

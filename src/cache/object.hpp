// One stored response of the edge cache (docs/cache.md). Immutable once it
// is in the Store: a revalidation (304) or a soft purge makes a new Object
// that shares the body. Shared by every worker (std::shared_ptr<const>).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/body.hpp"

namespace strata::cache {

using WallTime = std::chrono::system_clock::time_point;

struct Field {
  std::string name;   // lower case
  std::string value;
  bool operator==(const Field&) const = default;
};

struct Object {
  // Identity.
  std::string key;  // primary key (method-independent: GET and HEAD share it)
  std::string url;  // "scheme://authority/target" as requested (purge by URL and prefix)
  // The request's values of the fields the response varies on, one per
  // Vary member (lower-case name; value as the request sent it, "" when it
  // had none; several lines joined with ", "). `vary_star`: "Vary: *",
  // never matches a later request.
  std::vector<Field> vary;
  bool vary_star = false;

  // The stored response (hop-by-hop fields removed).
  int status = 200;
  std::vector<Field> headers;               // names lower case, order kept
  Body body;  // never null; complete (cache/body.hpp: heap or sealed memfd)

  // RFC 9111 4.2.3 inputs: when the request that produced it was sent and
  // when its response head arrived (wall clock of this process).
  WallTime request_time{};
  WallTime response_time{};
  // Tags: the route's plus Surrogate-Key / Cache-Tag members.
  std::vector<std::string> tags;
  // Soft purge: served only as stale (revalidated first; stale-while-
  // revalidate / stale-if-error still apply).
  bool invalidated = false;

  // Bytes the store charges for it (key, url, vary, head, body, overhead).
  std::uint64_t charge() const;
  // The first field `name` (lower case), or nullptr.
  const std::string* header(std::string_view name) const;
};

using ObjectPtr = std::shared_ptr<const Object>;

}  // namespace strata::cache

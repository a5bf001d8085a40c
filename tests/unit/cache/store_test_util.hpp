// Objects for the store tests.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cache/object.hpp"

namespace strata::cache::test {

inline ObjectPtr make_object(const std::string& key, std::size_t body_bytes,
                             std::vector<Field> vary = {}, std::vector<std::string> tags = {},
                             std::string url = "") {
  auto o = std::make_shared<Object>();
  o->key = key;
  o->url = url.empty() ? "https://example.com" + key : url;
  o->vary = std::move(vary);
  o->headers = {{"content-type", "text/plain"}};
  o->body = std::make_shared<const std::string>(body_bytes, 'x');
  o->tags = std::move(tags);
  return o;
}

}  // namespace strata::cache::test

// A Lua script run with EVALSHA (its SHA-1 computed once) and loaded with
// EVAL when the node answers NOSCRIPT (Client::eval does both).
// Thread: immutable after construction.
#pragma once
#include <string>

namespace strata::redis {

struct Script {
  explicit Script(std::string source);
  std::string source;
  std::string sha1;  // lower-case hex
};

}  // namespace strata::redis

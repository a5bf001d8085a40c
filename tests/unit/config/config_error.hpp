// The config parser tests' one way to read a configuration error.
#pragma once
#include <string>
#include <string_view>

#include "config/loader.hpp"

namespace strata::config_test {

// The message (file:line:column: text) of the ConfigError that loading
// `yaml` as "t.yaml" throws, or `if_none` when it loads.
inline std::string config_error(const std::string& yaml, std::string_view if_none = "") {
  using config::ConfigError;
  using config::load_string;
  try {
    load_string(yaml, "t.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return std::string(if_none);
}

}  // namespace strata::config_test
